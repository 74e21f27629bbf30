/* The buyer's chat page (/service/chat/): sends through HTTP (fetch, the form's own POST
 * without JavaScript), hears the answers live through live.js, catches up by polling
 * while the socket is down, marks the agents' messages read while the page is in view. */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.SellerdeskLive) return;
  var thread = document.getElementById("chat-thread");
  var form = document.getElementById("chat-form");
  var body = document.getElementById("chat-body");
  var files = document.getElementById("chat-attachments");
  var sendButton = document.getElementById("chat-send");
  var errorLine = document.getElementById("chat-error");
  var statusLine = document.getElementById("chat-status");
  var typingLine = document.getElementById("chat-typing");
  var text = root.dataset;
  var conversation = +text.conversation || 0;
  var lastId = +text.lastId || 0;
  var shown = {};
  var pollTimer = null;
  var readPending = false;
  var baseTitle = document.title;
  var unseen = 0;
  Array.prototype.forEach.call(thread.querySelectorAll("li[data-id]"), function (item) { shown[item.dataset.id] = true; });

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function attachmentUrl(id) {
    return text.attachmentUrl.replace(/0\/$/, id + "/");
  }

  function timeLabel(iso) {
    var at = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(at.getMonth() + 1) + "-" + two(at.getDate()) + " " + two(at.getHours()) + ":" + two(at.getMinutes());
  }

  function scrollToEnd() { thread.scrollTop = thread.scrollHeight; }

  function show(message) {
    if (shown[message.id]) return;
    shown[message.id] = true;
    lastId = Math.max(lastId, message.id);
    var empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    var item = document.createElement("li");
    item.dataset.id = message.id;
    if (message.kind === "buyer") item.className = "mine";
    if (message.kind === "system") item.className = "system";
    if (message.kind === "agent") {
      var author = document.createElement("span");
      author.className = "chat-author small";
      author.textContent = message.author || text.textAgent;
      item.appendChild(author);
    }
    var words = document.createElement("div");
    words.className = "message-text";
    words.textContent = message.body;
    words.style.whiteSpace = "pre-wrap";
    item.appendChild(words);
    (message.attachments || []).forEach(function (attachment) {
      var link = document.createElement("a");
      link.href = attachmentUrl(attachment.id);
      link.target = "_blank";
      link.rel = "noopener";
      var image = document.createElement("img");
      image.className = "chat-image";
      image.src = link.href;
      image.alt = attachment.name || "";
      link.appendChild(image);
      item.appendChild(link);
    });
    var time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = timeLabel(message.created_at);
    item.appendChild(time);
    // Kept in id order even when a catch-up brings an older one after a newer one.
    var after = null;
    Array.prototype.some.call(thread.querySelectorAll("li[data-id]"), function (other) {
      if (+other.dataset.id > message.id) { after = other; return true; }
      return false;
    });
    thread.insertBefore(item, after);
    scrollToEnd();
    if (message.kind !== "buyer") {
      typingLine.hidden = true;
      if (document.visibilityState === "visible") markRead();
      else { unseen += 1; document.title = "(" + unseen + ") " + baseTitle; }
    }
  }

  function markRead() {
    if (readPending || !conversation) return;
    readPending = true;
    fetch(text.readUrl, {method: "POST", headers: {"X-CSRFToken": csrf()}, credentials: "same-origin"})
      .catch(function () {})
      .then(function () { readPending = false; });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && unseen) {
      unseen = 0;
      document.title = baseTitle;
      markRead();
    }
  });

  function catchUp() {
    return fetch(text.messagesUrl + "?after=" + lastId, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) return;
        if (answer.conversation && answer.conversation !== conversation) follow(answer.conversation);
        answer.messages.forEach(show);
      })
      .catch(function () {});
  }

  var live = SellerdeskLive.connect({url: text.socket, side: "buyer"});
  var typingShown = SellerdeskLive.typingIndicator(typingLine, text.textTyping);

  function follow(id) {
    if (conversation === id) return;
    if (conversation) live.unsubscribe(conversation);
    conversation = id;
    live.subscribe(conversation, lastId);
  }

  live.on("message", function (event) {
    if (event.conversation !== conversation) follow(event.conversation);
    show(event.message);
    live.noteMessage(event.conversation, event.message.id);
  });
  live.on("typing", function (event) { if (event.who === "agent") typingShown(); });
  live.on("status", function (event) {
    var down = event.state === "reconnecting";
    statusLine.hidden = !down;
    statusLine.textContent = down ? text.textOffline : "";
    clearInterval(pollTimer);
    // While the socket is down, the page still hears the answers (more slowly).
    if (down) pollTimer = setInterval(catchUp, 10000);
  });
  if (conversation) live.subscribe(conversation, lastId);
  scrollToEnd();

  body.addEventListener("input", function () { if (conversation) live.typing(conversation); });
  body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!body.value.trim() && !(files && files.files.length)) return;
    var data = new FormData(form);
    sendButton.disabled = true;
    errorLine.hidden = true;
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {Accept: "application/json", "X-CSRFToken": csrf()},
    })
      .then(function (response) {
        return response.json().then(function (answer) { return {ok: response.ok, answer: answer}; });
      })
      .then(function (result) {
        if (!result.ok) {
          errorLine.textContent = result.answer.message || text.textFailed;
          errorLine.hidden = false;
          return;
        }
        follow(result.answer.conversation);
        show(result.answer.message);
        live.noteMessage(result.answer.conversation, result.answer.message.id);
        form.reset();
        body.focus();
      })
      .catch(function () {
        errorLine.textContent = text.textFailed;
        errorLine.hidden = false;
      })
      .then(function () { sendButton.disabled = false; });
  });
})();
