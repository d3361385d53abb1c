/*
 * The booking widget on a professional's own site, in one line:
 *
 *   <script src="https://SITE/embed.js" data-agenda="dr-ana" data-mode="inline" async></script>
 *
 * data-mode="inline" (the default) puts the widget where the script tag is; data-mode="popup"
 * puts a button there that opens it in a dialog (Esc or the close button shuts it, and the
 * focus goes back to the button). data-label names the button, data-language ("pt-BR", "en")
 * the words of the button and the dialog (default: the host page's language).
 *
 * The widget is the site's /embed/{slug} page in an iframe; it tells this script its height,
 * and an Esc pressed inside it, by postMessage, and only messages from the site's own origin, sent by that very iframe, are
 * taken. The host page's origin goes to the frame in its address so the frame answers no one
 * else. This file keeps its name (no hash) because other sites name it; it is a classic script,
 * not a module, so that an `async` tag on any page runs it.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || !script.getAttribute("data-agenda")) return;

  var TEXTS = {
    "pt-BR": { open: "Agendar horário", close: "Fechar", title: "Agendamento" },
    en: { open: "Book a time", close: "Close", title: "Booking" },
  };
  var HEIGHT = "agenda:height";
  var PING = "agenda:ping";
  var CLOSE = "agenda:close";
  var MIN_HEIGHT = 320;
  var MAX_HEIGHT = 4000;

  var site = new URL(script.src, window.location.href).origin;
  var slug = script.getAttribute("data-agenda");
  var mode = script.getAttribute("data-mode") === "popup" ? "popup" : "inline";
  var tag = script.getAttribute("data-language") || document.documentElement.lang || navigator.language || "";
  var texts = String(tag).toLowerCase().indexOf("en") === 0 ? TEXTS.en : TEXTS["pt-BR"];
  var address = site + "/embed/" + encodeURIComponent(slug) + "?origin=" + encodeURIComponent(window.location.origin);

  // Messages of the widget's own frame only: the site's origin, and that iframe's window.
  function listen(iframe, type, handle) {
    window.addEventListener("message", function (event) {
      if (event.origin !== site || event.source !== iframe.contentWindow) return;
      if (event.data && event.data.type === type) handle(event.data);
    });
  }

  function frame() {
    var iframe = document.createElement("iframe");
    iframe.src = address;
    iframe.title = script.getAttribute("data-title") || texts.title;
    iframe.setAttribute("data-agenda-frame", slug);
    iframe.style.display = "block";
    iframe.style.width = "100%";
    iframe.style.border = "0";
    iframe.style.height = "640px";
    iframe.style.colorScheme = "light";
    iframe.addEventListener("load", function () {
      if (iframe.contentWindow) iframe.contentWindow.postMessage({ type: PING }, site);
    });
    listen(iframe, HEIGHT, function (data) {
      if (typeof data.height !== "number" || !isFinite(data.height)) return;
      iframe.style.height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(data.height))) + "px";
    });
    return iframe;
  }

  function inline() {
    var wrapper = document.createElement("div");
    wrapper.className = "agenda-embed";
    wrapper.appendChild(frame());
    script.parentNode.insertBefore(wrapper, script.nextSibling);
  }

  function popup() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "agenda-embed-button";
    button.textContent = script.getAttribute("data-label") || texts.open;
    button.setAttribute("aria-haspopup", "dialog");

    // A modal <dialog> makes the rest of the page inert (the focus stays inside) and closes
    // on Esc by itself.
    var dialog = document.createElement("dialog");
    dialog.className = "agenda-embed-dialog";
    dialog.setAttribute("aria-label", script.getAttribute("data-title") || texts.title);
    dialog.style.width = "min(40rem, calc(100vw - 1rem))";
    dialog.style.maxHeight = "calc(100vh - 1rem)";
    dialog.style.padding = "0";
    dialog.style.border = "0";
    dialog.style.borderRadius = "0.5rem";
    dialog.style.background = "#ffffff";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "agenda-embed-close";
    close.textContent = texts.close;
    close.style.display = "block";
    close.style.margin = "0.5rem 0.5rem 0 auto";
    close.style.minHeight = "2.75rem";
    close.style.font = "inherit";
    dialog.appendChild(close);
    var iframe = null;

    button.addEventListener("click", function () {
      if (!iframe) {
        iframe = frame();
        dialog.appendChild(iframe);
        listen(iframe, CLOSE, function () {
          if (dialog.open) dialog.close();
        });
      }
      dialog.showModal();
      close.focus();
    });
    close.addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      button.focus();
    });

    script.parentNode.insertBefore(dialog, script.nextSibling);
    script.parentNode.insertBefore(button, script.nextSibling);
  }

  if (mode === "popup") popup();
  else inline();
})();
