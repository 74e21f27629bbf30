// The service desk (客服工作台), keyboard first. Set up once and delegated on document, so
// it survives htmx's body swaps (a boosted form's answer replaces the body; this script
// runs again and only calls setUp()). Keys (the "?" overlay lists them):
//   j / k      next / previous conversation in the inbox (Enter opens it)
//   /          filter the inbox (app.js focuses #id_q)
//   r          focus the reply box;  Esc leaves it
//   Ctrl+Enter send the reply (Cmd+Enter on a Mac)
//   ;shortcut  then Space: the quick reply with that shortcut, filled from the order
//   Alt+Q      the quick-reply picker
//   e / p      resolve / wait for the buyer (pending)
//   ?          the help overlay
// Live: service/live.js's socket (one per page load, kept across swaps) tells of new
// messages, inbox rows and typing; the desk fetches its own page again and swaps the
// inbox and the thread (server-rendered, one way of drawing them), never the composer.
(function () {
  "use strict";
  if (window.sellerdeskDesk) { window.sellerdeskDesk.setUp(); return; }

  function desk() { return document.querySelector("[data-desk]"); }
  function conversationId() { var d = desk(); return d ? +(d.getAttribute("data-conversation") || 0) : 0; }
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function replyBox() { return document.querySelector("[data-reply-box]"); }
  function hint(text, isError) {
    var box = document.querySelector("[data-composer-hint]");
    if (!box) return;
    box.textContent = text || "";
    box.classList.toggle("is-error", !!isError);
  }
  function anyDialogOpen() { return !!document.querySelector("dialog[open]"); }

  // --- the inbox: j / k ----------------------------------------------------------------------
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-inbox] [data-inbox-row]")); }
  function moveFocus(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.findIndex(function (row) { return row.classList.contains("is-focused"); });
    if (index < 0) index = all.findIndex(function (row) { return row.classList.contains("is-current"); });
    index = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, index + step));
    all.forEach(function (row) { row.classList.remove("is-focused"); });
    all[index].classList.add("is-focused");
    var link = all[index].querySelector("a");
    if (link) { link.focus(); link.scrollIntoView({block: "nearest"}); }
  }

  // --- inserting text into the reply box -----------------------------------------------------
  function insertAt(box, text, from, to) {
    var value = box.value;
    from = from === undefined ? box.selectionStart : from;
    to = to === undefined ? box.selectionEnd : to;
    box.value = value.slice(0, from) + text + value.slice(to);
    var caret = from + text.length;
    box.setSelectionRange(caret, caret);
    box.focus();
  }
  function rememberReply(id) {
    var field = document.querySelector('[data-composer] input[name="quick_reply_ids"]');
    if (!field || !id) return;
    var ids = field.value ? field.value.split(",") : [];
    ids.push(String(id));
    field.value = ids.join(",");
  }
  function fetchReply(query) {
    var d = desk();
    var url = d && d.getAttribute("data-quick-reply-url");
    if (!url) return Promise.reject(new Error("no conversation"));
    return fetch(url + "?" + query, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || response.statusText);
          return body;
        });
      });
  }

  // ";shortcut" then Space (or Tab): replace it with the filled quick reply.
  function expandShortcut(box, event) {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(^|\s);([^\s;]{1,30})$/.exec(before);
    if (!match || box.selectionStart !== box.selectionEnd) return false;
    event.preventDefault();
    var start = box.selectionStart - match[2].length - 1;
    var end = box.selectionStart;
    fetchReply("shortcut=" + encodeURIComponent(match[2])).then(function (reply) {
      insertAt(box, reply.text, start, end);
      rememberReply(reply.id);
      hint(reply.title, false);
    }, function (error) {
      insertAt(box, event.key === "Tab" ? "\t" : " ");
      hint(error.message, true);
    });
    return true;
  }

  // --- the picker (Alt+Q) --------------------------------------------------------------------
  function picker() { return document.querySelector("[data-picker]"); }
  function pickerItems() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-picker-list] [data-reply-id]"))
      .filter(function (item) { return !item.hidden; });
  }
  function activate(index) {
    var items = pickerItems();
    items.forEach(function (item) { item.classList.remove("is-active"); });
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    items[index].classList.add("is-active");
    items[index].scrollIntoView({block: "nearest"});
  }
  function activeIndex() {
    return pickerItems().findIndex(function (item) { return item.classList.contains("is-active"); });
  }
  function openPicker() {
    var dialog = picker();
    var d = desk();
    if (!dialog || !d) return;
    var box = replyBox();
    dialog.caret = box ? [box.selectionStart, box.selectionEnd] : null;
    var list = dialog.querySelector("[data-picker-list]");
    if (!dialog.loaded) {
      fetch(d.getAttribute("data-quick-replies-url"), {credentials: "same-origin"})
        .then(function (response) { return response.text(); })
        .then(function (html) { list.innerHTML = html; dialog.loaded = true; filterPicker(); });
    }
    if (!dialog.open) dialog.showModal();
    var filter = dialog.querySelector("[data-picker-filter]");
    filter.value = "";
    filterPicker();
    filter.focus();
  }
  function filterPicker() {
    var dialog = picker();
    if (!dialog) return;
    var words = (dialog.querySelector("[data-picker-filter]").value || "").toLowerCase().replace(/^;/, "").split(/\s+/);
    Array.prototype.forEach.call(dialog.querySelectorAll("[data-reply-id]"), function (item) {
      var text = item.getAttribute("data-search") || "";
      item.hidden = !words.every(function (word) { return !word || text.indexOf(word) >= 0; });
    });
    activate(0);
  }
  function choose(item) {
    var dialog = picker();
    var box = replyBox();
    if (!item || !box) return;
    var caret = dialog.caret || [box.value.length, box.value.length];
    dialog.close();
    fetchReply("id=" + item.getAttribute("data-reply-id")).then(function (reply) {
      insertAt(box, reply.text, caret[0], caret[1]);
      rememberReply(reply.id);
      hint(reply.title, false);
    }, function (error) { box.focus(); hint(error.message, true); });
  }

  // --- the forbidden-phrase stop ---------------------------------------------------------------
  // The server's start/end count code points of the draft as checked; the reply box holds
  // that draft (the page put it back), so the polite wording replaces them from the end.
  function usePolite() {
    var box = replyBox();
    if (!box) return;
    var hits = Array.prototype.slice.call(document.querySelectorAll("[data-forbidden] [data-hit]")).map(function (hit) {
      return {start: +hit.getAttribute("data-start"), end: +hit.getAttribute("data-end"), text: hit.getAttribute("data-alternative")};
    }).sort(function (a, b) { return b.start - a.start; });
    var chars = Array.from(box.value);
    hits.forEach(function (hit) { chars.splice(hit.start, hit.end - hit.start, hit.text); });
    box.value = chars.join("");
    var stop = document.querySelector("[data-forbidden]");
    if (stop) stop.hidden = true;
    var anyway = document.querySelector("[data-anyway-box]");
    if (anyway) anyway.hidden = true;
    box.focus();
    hint(box.getAttribute("data-polite-done") || "", false);
  }
  function sendAnyway() {
    var anyway = document.querySelector("[data-anyway-box]");
    var reason = document.querySelector("[data-anyway-reason]");
    if (!anyway || !reason) return;
    anyway.hidden = false;
    reason.required = true;
    reason.focus();
  }

  function submitComposer() {
    var form = document.querySelector("[data-composer]");
    if (!form) return;
    var box = replyBox();
    if (box && !box.value.trim()) return;
    // The answer replaces the page: the reply box has the focus again there.
    try { window.sessionStorage.setItem("desk-refocus", String(conversationId())); } catch (error) { /* private mode */ }
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }
  function clickKeyAction(name) {
    var button = document.querySelector('[data-key-action="' + name + '"]');
    if (button) button.click();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var box = replyBox();
    var dialog = picker();
    if (dialog && dialog.open) {
      if (event.key === "ArrowDown") { event.preventDefault(); activate(activeIndex() + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); activate(activeIndex() - 1); }
      else if (event.key === "Enter") { event.preventDefault(); choose(pickerItems()[Math.max(0, activeIndex())]); }
      return;
    }
    if (event.altKey && (event.key === "q" || event.key === "Q" || event.code === "KeyQ")) {
      if (!desk() || !conversationId()) return;
      event.preventDefault();
      openPicker();
      return;
    }
    if (box && target === box) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submitComposer(); return; }
      if (event.key === "Escape") { box.blur(); return; }
      if ((event.key === " " || event.key === "Tab") && !event.ctrlKey && !event.altKey) expandShortcut(box, event);
      return;
    }
    if (target && target.matches && target.matches("[data-anyway-reason]") && event.key === "Enter") {
      event.preventDefault();
      submitComposer();
      return;
    }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey || anyDialogOpen() || !desk()) return;
    switch (event.key) {
      case "j": event.preventDefault(); moveFocus(1); break;
      case "k": event.preventDefault(); moveFocus(-1); break;
      case "r": if (box) { event.preventDefault(); box.focus(); } break;
      case "e": event.preventDefault(); clickKeyAction("resolve"); break;
      case "p": event.preventDefault(); clickKeyAction("wait"); break;
      case "?": {
        var help = document.querySelector("[data-help]");
        if (help) { event.preventDefault(); help.showModal(); }
        break;
      }
      default: break;
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target && event.target.matches && event.target.matches("[data-picker-filter]")) filterPicker();
    if (event.target === replyBox() && live && conversationId()) live.typing(conversationId());
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) return;
    var item = target.closest("[data-picker-list] [data-reply-id]");
    if (item) { choose(item); return; }
    if (target.closest("[data-open-picker]")) { openPicker(); return; }
    if (target.closest("[data-open-help]")) { var help = document.querySelector("[data-help]"); if (help) help.showModal(); return; }
    if (target.closest("[data-use-polite]")) { usePolite(); return; }
    if (target.closest("[data-send-anyway]")) { sendAnyway(); }
  });

  // --- live ------------------------------------------------------------------------------------
  var live = null;
  var refreshTimer = null;
  var refreshing = false;
  var again = false;

  function scrollThreadToEnd() {
    var thread = document.querySelector("[data-thread]");
    if (thread) thread.scrollTop = thread.scrollHeight;
  }
  function lastMessageId() {
    var thread = document.querySelector("[data-thread]");
    return thread ? +(thread.getAttribute("data-last-message") || 0) : 0;
  }

  // Fetch this page again and swap the inbox and the thread (not the composer: the draft stays).
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    var thread = document.querySelector("[data-thread]");
    var atEnd = !thread || thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
    fetch(window.location.href, {credentials: "same-origin", headers: {"X-Desk-Refresh": "1"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        // The views' counts, the list and the thread; never the filters or a form being filled.
        [".desk-views", "[data-inbox]", "#desk-thread"].forEach(function (selector) {
          var fresh = page.querySelector(selector);
          var old = document.querySelector(selector);
          if (!fresh || !old) return;
          if (selector === "#desk-thread" && old.querySelector("details[open]")) return;
          var focusedRow = selector === "[data-inbox]" && document.activeElement && old.contains(document.activeElement)
            ? document.activeElement.closest("[data-inbox-row]") : null;
          var focusedId = focusedRow && focusedRow.getAttribute("data-conversation-id");
          old.replaceWith(document.importNode(fresh, true));
          if (focusedId) {
            var row = document.querySelector('[data-inbox-row][data-conversation-id="' + focusedId + '"]');
            if (row) { row.classList.add("is-focused"); var link = row.querySelector("a"); if (link) link.focus(); }
          }
        });
        if (window.htmx) window.htmx.process(document.querySelector("[data-desk]"));
        if (atEnd) scrollThreadToEnd();
        if (live && conversationId()) live.noteMessage(conversationId(), lastMessageId());
      })
      .catch(function () { /* the next event or reconnection tries again */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; scheduleRefresh(); }
      });
  }
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 150);
  }

  function connect() {
    var d = desk();
    if (!d || !window.SellerdeskLive || live) return;
    live = window.SellerdeskLive.connect({url: d.getAttribute("data-ws-path") || "/ws/service/", presence: true});
    live.on("message", function () { scheduleRefresh(); });
    live.on("conversation", function () { scheduleRefresh(); });
    live.on("read", function (event) { if (event.conversation === conversationId()) scheduleRefresh(); });
    live.on("open", function () { if (desk()) scheduleRefresh(); });
    live.on("typing", function (event) {
      if (event.conversation !== conversationId() || event.who !== "buyer") return;
      var box = document.querySelector("[data-typing]");
      if (!box) return;
      var show = window.SellerdeskLive.typingIndicator(box, box.getAttribute("data-text") || "…", 4000);
      show();
    });
    live.on("status", function (event) {
      if (d) document.documentElement.setAttribute("data-live", event.state);
    });
  }

  function setUp() {
    var d = desk();
    if (!d) return;
    connect();
    var id = conversationId();
    if (live && id) live.subscribe(id, lastMessageId());
    scrollThreadToEnd();
    var box = replyBox();
    var stop = document.querySelector("[data-forbidden]");
    var refocus = null;
    try {
      refocus = window.sessionStorage.getItem("desk-refocus");
      window.sessionStorage.removeItem("desk-refocus");
    } catch (error) { /* private mode */ }
    if (box && (stop || refocus === String(id))) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
  }

  window.sellerdeskDesk = {setUp: setUp, refresh: refresh};
  setUp();
})();
