// /dashboard/notifications[?unread=true]: the professional's in-app notices, newest first
// (GET /api/notifications, a page at a time by nextCursor; "only unread" asks unread=true), the
// unread ones marked; each one marked read or unread (PATCH /api/notifications/{id} {"read"}),
// all marked read at once (POST /api/notifications/read-all). After each change the header's
// count is read again (ctx.refreshUnread). A notice's time is in the professional's zone and
// language; a notice about an appointment links to the list it now belongs in, a review's to
// the reviews, the plan's cap to the plan.

import { ApiError } from "/assets/js/api.js";
import { el, button } from "/assets/js/account-ui.js";
import { busy, errorText } from "/assets/js/dashboard-kit.js";
import { fill, formatDateTime, textsFor } from "/assets/js/i18n.js";

const TEXTS = {
  "pt-BR": {
    listLabel: "Notificações",
    onlyUnread: "Só as não lidas",
    markAll: "Marcar todas como lidas",
    unreadCount: "{count} não lidas.",
    unreadOne: "1 não lida.",
    unreadNone: "Nenhuma não lida.",
    empty: "Nenhuma notificação ainda. Aqui aparecem os pedidos de horário, as remarcações e os cancelamentos dos clientes, as avaliações e os avisos do plano.",
    emptyUnread: "Nenhuma notificação não lida.",
    unread: "Não lida",
    unreadHidden: "Não lida: ",
    markRead: "Marcar como lida",
    markUnread: "Marcar como não lida",
    markedRead: "Marcada como lida: {title}",
    markedUnread: "Marcada como não lida: {title}",
    allMarked: "Todas marcadas como lidas ({count}).",
    noneToMark: "Não havia notificações não lidas.",
    more: "Mostrar mais antigas",
    gone: "Esta notificação não existe mais.",
    links: {
      booking_request: "Ver os pedidos",
      rescheduled_by_client: "Ver os próximos horários",
      cancelled_by_client: "Ver os cancelados",
      payment_refunded: "Ver os cancelados",
      review: "Ver as avaliações",
      plan_limit_reached: "Ver o plano",
    },
  },
  en: {
    listLabel: "Notifications",
    onlyUnread: "Only unread",
    markAll: "Mark all as read",
    unreadCount: "{count} unread.",
    unreadOne: "1 unread.",
    unreadNone: "None unread.",
    empty: "No notifications yet. Here you will see booking requests, your clients' reschedules and cancellations, reviews and notices about your plan.",
    emptyUnread: "No unread notifications.",
    unread: "Unread",
    unreadHidden: "Unread: ",
    markRead: "Mark as read",
    markUnread: "Mark as unread",
    markedRead: "Marked as read: {title}",
    markedUnread: "Marked as unread: {title}",
    allMarked: "All marked as read ({count}).",
    noneToMark: "There were no unread notifications.",
    more: "Show older ones",
    gone: "This notification no longer exists.",
    links: {
      booking_request: "See the requests",
      rescheduled_by_client: "See the upcoming times",
      cancelled_by_client: "See the cancelled ones",
      payment_refunded: "See the cancelled ones",
      review: "See the reviews",
      plan_limit_reached: "See the plan",
    },
  },
};

const PAGE_SIZE = 20;

// Where a notice of this type leads, or null.
const DESTINATIONS = {
  booking_request: "/dashboard/appointments?view=pending",
  rescheduled_by_client: "/dashboard/appointments?view=upcoming",
  cancelled_by_client: "/dashboard/appointments?view=cancelled",
  payment_refunded: "/dashboard/appointments?view=cancelled",
  review: "/dashboard/reviews",
  plan_limit_reached: "/dashboard/plan",
};

export async function mount(root, ctx) {
  const t = textsFor(ctx.language, TEXTS);
  const state = { onlyUnread: ctx.route.params.get("unread") === "true", cursor: null, unreadCount: 0 };

  const filter = el("input", { type: "checkbox", id: "notices-unread", checked: state.onlyUnread });
  const markAll = el("button", { type: "button", className: "account-button" }, t.markAll);
  const count = el("p", { className: "dash-notices-count" });
  const status = el("p", { className: "account-status", role: "status", tabindex: "-1" });
  const alert = el("p", { className: "account-alert", role: "alert", tabindex: "-1" });
  alert.hidden = true;
  const list = el("ul", { className: "dash-cards dash-notices", "aria-label": t.listLabel });
  const empty = el("p", { className: "dash-notices-empty" });
  empty.hidden = true;
  const more = el("button", { type: "button", className: "account-button" }, t.more);
  more.hidden = true;

  root.classList.add("dash-notices-screen");
  root.append(
    el(
      "div",
      { className: "dash-notices-bar" },
      el("div", { className: "dash-check" }, filter, el("label", { for: filter.id }, t.onlyUnread)),
      markAll,
    ),
    count,
    status,
    alert,
    list,
    empty,
    more,
  );

  function say(text) {
    alert.hidden = true;
    status.textContent = text;
  }

  function fail(error, { focus = true } = {}) {
    status.textContent = "";
    alert.textContent = errorText(error, ctx.language);
    alert.hidden = false;
    if (focus) alert.focus();
  }

  function drawCount() {
    const n = state.unreadCount;
    count.textContent = n === 0 ? t.unreadNone : n === 1 ? t.unreadOne : fill(t.unreadCount, { count: n });
    markAll.disabled = n === 0;
  }

  function drawEmpty() {
    const none = list.children.length === 0;
    empty.hidden = !none;
    empty.textContent = state.onlyUnread ? t.emptyUnread : t.empty;
  }

  function noticeItem(notice) {
    const title = el("h2", {});
    const toggle = el("button", { type: "button", className: "account-button" });
    const item = el(
      "li",
      { className: "dash-card dash-notice", "data-id": notice.id },
      title,
      el("p", { className: "dash-notice-body" }, notice.body),
      el("p", { className: "account-hint" }, el("time", { datetime: notice.createdAt }, formatDateTime(notice.createdAt, ctx.language, ctx.zone))),
    );
    const destination = DESTINATIONS[notice.type];
    const row = el("div", { className: "account-row" });
    if (destination) row.append(el("a", { href: destination, className: "dash-notice-link" }, t.links[notice.type]));
    row.append(toggle);
    item.append(row);

    let read = Boolean(notice.readAt);
    function draw() {
      item.classList.toggle("dash-notice-unread", !read);
      title.replaceChildren();
      if (!read) {
        title.append(el("span", { className: "dash-pending", "aria-hidden": "true" }, t.unread), " ");
        title.append(el("span", { className: "visually-hidden" }, t.unreadHidden));
      }
      title.append(notice.title);
      toggle.textContent = read ? t.markUnread : t.markRead;
    }
    draw();

    toggle.addEventListener("click", async () => {
      const wanted = !read;
      try {
        await busy(toggle, () => ctx.api(`/api/notifications/${encodeURIComponent(notice.id)}`, { method: "PATCH", body: { read: wanted } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          item.remove();
          drawEmpty();
          say(t.gone);
          status.focus();
          ctx.refreshUnread();
          return;
        }
        fail(error);
        return;
      }
      read = wanted;
      state.unreadCount = Math.max(0, state.unreadCount + (wanted ? -1 : 1));
      draw();
      drawCount();
      say(fill(wanted ? t.markedRead : t.markedUnread, { title: notice.title }));
      toggle.focus();
      ctx.refreshUnread();
    });
    return item;
  }

  async function readPage({ append }) {
    const page = await ctx.api("/api/notifications", {
      query: { unread: state.onlyUnread ? "true" : undefined, limit: PAGE_SIZE, cursor: append ? state.cursor : undefined },
    });
    if (!append) list.replaceChildren();
    const first = page.items.length ? noticeItem(page.items[0]) : null;
    if (first) list.append(first, ...page.items.slice(1).map(noticeItem));
    state.cursor = page.nextCursor;
    state.unreadCount = page.unreadCount || 0;
    more.hidden = !state.cursor;
    drawCount();
    drawEmpty();
    return first;
  }

  filter.addEventListener("change", async () => {
    state.onlyUnread = filter.checked;
    history.replaceState(null, "", state.onlyUnread ? "/dashboard/notifications?unread=true" : "/dashboard/notifications");
    try {
      await readPage({ append: false });
      say(count.textContent);
    } catch (error) {
      fail(error);
    }
  });

  more.addEventListener("click", async () => {
    try {
      const first = await busy(more, () => readPage({ append: true }));
      if (first) first.querySelector("h2").setAttribute("tabindex", "-1");
      if (first) first.querySelector("h2").focus();
    } catch (error) {
      fail(error);
    }
  });

  markAll.addEventListener("click", async () => {
    let answer;
    try {
      answer = await busy(markAll, () => ctx.api("/api/notifications/read-all", { method: "POST" }));
      await readPage({ append: false });
    } catch (error) {
      fail(error);
      return;
    }
    say(answer.marked > 0 ? fill(t.allMarked, { count: answer.marked }) : t.noneToMark);
    status.focus();
    ctx.refreshUnread();
  });

  await readPage({ append: false });
}
