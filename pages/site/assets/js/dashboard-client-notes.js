// The professional's private notes about one client, on the client's page: written, read
// newest first (older pages behind a button), edited in place and deleted after a question.
// The notes are the professional's alone: the screen says so beside the form.
//
//   GET    /api/clients/{id}/notes[?cursor=]   {items, nextCursor}, newest first
//   POST   /api/clients/{id}/notes {text}      201 with the note
//   PATCH  /api/clients/{id}/notes/{noteId} {text}
//   DELETE /api/clients/{id}/notes/{noteId}    204; a note gone meanwhile is 404
//
// A note's text goes in as textContent, its lines kept by CSS.

import { el, button, statusLine } from "/assets/js/account-ui.js";
import { busy, errorText, field } from "/assets/js/dashboard-kit.js";
import { fill, formatDateTime, textsFor } from "/assets/js/i18n.js";

const MAX_NOTE = 10000;

const TEXTS = {
  "pt-BR": {
    heading: "Notas particulares",
    private: "Só você vê estas notas. Elas nunca aparecem para o cliente nem vão em nenhuma mensagem, e-mail ou página.",
    label: "Nova nota",
    hint: "Até 10.000 caracteres. As quebras de linha ficam como você escrever.",
    save: "Salvar a nota",
    saved: "Nota salva.",
    updated: "Nota atualizada.",
    deleted: "Nota apagada.",
    required: "Escreva a nota antes de salvar.",
    tooLong: "A nota passou de 10.000 caracteres. Encurte-a ou divida-a em duas.",
    empty: "Nenhuma nota sobre este cliente ainda.",
    written: "Escrita em {when}",
    edited: "Escrita em {when} · editada em {edited}",
    edit: "Editar",
    editLabel: "Texto da nota",
    saveEdit: "Salvar a alteração",
    cancel: "Cancelar",
    remove: "Apagar",
    removeQuestion: "Apagar esta nota? Não dá para desfazer.",
    removeYes: "Sim, apagar",
    keep: "Manter a nota",
    gone: "Esta nota já não existe (foi apagada em outra janela). A lista foi atualizada.",
    older: "Mostrar notas anteriores",
    editOf: "Editar a nota de {when}",
    removeOf: "Apagar a nota de {when}",
  },
  en: {
    heading: "Private notes",
    private: "Only you see these notes. They are never shown to the client, nor sent in any message, email or page.",
    label: "New note",
    hint: "Up to 10,000 characters. Line breaks stay as you write them.",
    save: "Save the note",
    saved: "Note saved.",
    updated: "Note updated.",
    deleted: "Note deleted.",
    required: "Write the note before saving it.",
    tooLong: "The note is over 10,000 characters. Shorten it or split it in two.",
    empty: "No notes about this client yet.",
    written: "Written {when}",
    edited: "Written {when} · edited {edited}",
    edit: "Edit",
    editLabel: "The note's text",
    saveEdit: "Save the change",
    cancel: "Cancel",
    remove: "Delete",
    removeQuestion: "Delete this note? This cannot be undone.",
    removeYes: "Yes, delete",
    keep: "Keep the note",
    gone: "This note no longer exists (it was deleted in another window). The list was refreshed.",
    older: "Show older notes",
    editOf: "Edit the note of {when}",
    removeOf: "Delete the note of {when}",
  },
};

function lengthOf(text) {
  return [...text].length;
}

// The problem with a note's text before any request, or "".
function problemOf(text, t) {
  if (!text.trim()) return t.required;
  if (lengthOf(text) > MAX_NOTE) return t.tooLong;
  return "";
}

// mountNotes(ctx, clientId): answers the section; it reads the first page itself.
export function mountNotes(ctx, clientId) {
  const t = textsFor(ctx.language, TEXTS);
  const base = `/api/clients/${encodeURIComponent(clientId)}/notes`;
  const when = (instant) => formatDateTime(instant, ctx.language, ctx.zone);
  const heading = el("h2", { id: "client-notes-heading", tabindex: "-1" }, t.heading);
  const status = statusLine("");
  status.setAttribute("tabindex", "-1");
  const problem = el("div", {});
  const list = el("ul", { className: "dash-cards dash-notes", "aria-labelledby": "client-notes-heading" });
  const empty = el("p", { className: "account-hint" }, t.empty);
  empty.hidden = true;
  const older = button(t.older, () => readMore());
  older.hidden = true;
  let cursor = null;

  const text = field({ id: "client-note-new", label: t.label, hint: t.hint, multiline: true, attributes: { rows: "5" } });
  const saveButton = el("button", { type: "submit", className: "account-button account-primary" }, t.save);
  const form = el("form", { className: "dash-form", novalidate: true, "aria-labelledby": "client-notes-heading" }, text.wrap, el("div", { className: "account-row" }, saveButton));

  const section = el(
    "section",
    { className: "dash-client-section dash-client-notes", "aria-labelledby": "client-notes-heading" },
    heading,
    el("p", { className: "dash-private", id: "client-notes-private" }, t.private),
    form,
    status,
    problem,
    list,
    empty,
    older,
  );
  text.input.setAttribute("aria-describedby", `client-notes-private ${text.input.getAttribute("aria-describedby")}`);

  function say(message) {
    status.textContent = message;
  }

  function alert(error) {
    problem.replaceChildren(statusLine(errorText(error, ctx.language), { alert: true }));
  }

  function showEmpty() {
    empty.hidden = list.children.length > 0;
  }

  function meta(note) {
    return note.updatedAt && note.updatedAt !== note.createdAt
      ? fill(t.edited, { when: when(note.createdAt), edited: when(note.updatedAt) })
      : fill(t.written, { when: when(note.createdAt) });
  }

  // After a note goes: the next one's edit button, else the form.
  function focusAfter(node) {
    const next = node.nextElementSibling || node.previousElementSibling;
    node.remove();
    showEmpty();
    const target = next ? next.querySelector("button") : null;
    if (target) target.focus();
    else status.focus();
  }

  async function goneMeanwhile(node) {
    say(t.gone);
    node.remove();
    await readFirst().catch(alert);
    status.focus();
  }

  function noteItem(note) {
    const node = el("li", { className: "dash-card dash-note", "data-note-id": note.id });
    const label = when(note.createdAt);

    function view() {
      const edit = button(t.edit, () => editing());
      edit.setAttribute("aria-label", fill(t.editOf, { when: label }));
      const remove = button(t.remove, () => asking(remove));
      remove.setAttribute("aria-label", fill(t.removeOf, { when: label }));
      node.replaceChildren(
        el("p", { className: "dash-note-meta" }, meta(note)),
        el("p", { className: "dash-note-text" }, note.text),
        el("div", { className: "account-row" }, edit, remove),
      );
      return edit;
    }

    function editing() {
      const input = field({ id: `client-note-${note.id}`, label: t.editLabel, value: note.text, multiline: true, attributes: { rows: "5" } });
      const save = el("button", { type: "submit", className: "account-button account-primary" }, t.saveEdit);
      const cancel = button(t.cancel, () => view().focus());
      const editForm = el("form", { className: "dash-form", novalidate: true }, input.wrap, el("div", { className: "account-row" }, save, cancel));
      editForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        const value = input.input.value;
        const wrong = problemOf(value, t);
        input.setError(wrong);
        if (wrong) return input.input.focus();
        try {
          note = await busy(save, () => ctx.api(`${base}/${encodeURIComponent(note.id)}`, { method: "PATCH", body: { text: value } }));
          problem.replaceChildren();
          view().focus();
          say(t.updated);
        } catch (error) {
          if (error.status === 404) return goneMeanwhile(node);
          if (error.status === 400) {
            input.setError(error.fields.text || errorText(error, ctx.language));
            return input.input.focus();
          }
          input.setError(errorText(error, ctx.language));
          input.input.focus();
        }
      });
      node.replaceChildren(el("p", { className: "dash-note-meta" }, meta(note)), editForm);
      input.input.focus();
    }

    function asking(remove) {
      const question = el("p", { tabindex: "-1" }, t.removeQuestion);
      const box = el("div", { className: "account-confirm", role: "group", "aria-label": t.removeQuestion });
      const keep = button(t.keep, () => {
        box.remove();
        remove.hidden = false;
        remove.focus();
      });
      const yes = button(t.removeYes, async () => {
        try {
          await busy(yes, () => ctx.api(`${base}/${encodeURIComponent(note.id)}`, { method: "DELETE" }));
          problem.replaceChildren();
          say(t.deleted);
          focusAfter(node);
        } catch (error) {
          if (error.status === 404) return goneMeanwhile(node);
          box.append(statusLine(errorText(error, ctx.language), { alert: true }));
        }
      }, { className: "account-button account-danger" });
      box.append(question, el("div", { className: "account-row" }, yes, keep));
      remove.hidden = true;
      node.append(box);
      question.focus();
    }

    view();
    return node;
  }

  async function readFirst() {
    const page = await ctx.api(base);
    list.replaceChildren(...page.items.map(noteItem));
    cursor = page.nextCursor;
    older.hidden = !cursor;
    showEmpty();
  }

  async function readMore() {
    try {
      const page = await busy(older, () => ctx.api(base, { query: { cursor } }));
      const items = page.items.map(noteItem);
      list.append(...items);
      cursor = page.nextCursor;
      older.hidden = !cursor;
      if (items.length) items[0].querySelector("button").focus();
    } catch (error) {
      alert(error);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = text.input.value;
    const wrong = problemOf(value, t);
    text.setError(wrong);
    if (wrong) return text.input.focus();
    try {
      const note = await busy(saveButton, () => ctx.api(base, { method: "POST", body: { text: value } }));
      problem.replaceChildren();
      text.input.value = "";
      list.prepend(noteItem(note));
      showEmpty();
      say(t.saved);
      text.input.focus();
    } catch (error) {
      if (error.status === 400) {
        text.setError(error.fields.text || errorText(error, ctx.language));
      } else {
        text.setError(errorText(error, ctx.language));
      }
      text.input.focus();
    }
  });

  readFirst().catch(alert);
  return section;
}
