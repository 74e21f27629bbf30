/* sellerdesk live client (the service desk's websockets; protocol: docs/websocket.md).
 *
 *   var live = SellerdeskLive.connect({url: "/ws/service/", presence: true});
 *   live.on("message", function (event) { ... });   // each message once, by id
 *   live.subscribe(conversationId, lastSeenId);     // its messages, typing; catches up
 *   live.typing(conversationId);                    // throttled here, on the server too
 *
 * Reconnects with a growing, jittered delay (1 s … 30 s) and at once when the page comes
 * back into view or the network returns; on every (re)connection it subscribes again with
 * the last message id it saw, and the server sends what was missed from the database.
 * A heartbeat (ping every 25 s) finds dead connections that never said so, and makes the
 * server join its groups again (a restarted Redis has forgotten them).
 * No dependencies, no build step.
 */
(function (global) {
  "use strict";

  var HEARTBEAT_MS = 25000;
  var CATCH_UP_EVERY_BEATS = 4;
  var PONG_TIMEOUT_MS = 10000;
  var TYPING_EVERY_MS = 2000;
  var AWAY_AFTER_MS = 5 * 60 * 1000;
  var SEEN_MEMORY = 1000;
  var CLOSE_UNAUTHENTICATED = 4401;

  function socketUrl(path) {
    if (/^wss?:/.test(path)) return path;
    return (global.location.protocol === "https:" ? "wss://" : "ws://") + global.location.host + path;
  }

  function Live(options) {
    this.url = socketUrl(options.url);
    this.presence = !!options.presence;
    // Whose unread count this page shows: the desk's (buyer messages) or the buyer's.
    this.side = options.side || (/\/ws\/service\//.test(options.url) ? "agent" : "buyer");
    this.handlers = {};
    this.conversations = {}; // id -> last message id seen
    this.seen = [];
    this.seenSet = {};
    this.unread = {}; // conversation id -> unread count (staff: unread_agent; buyer: unread_buyer)
    this.typedAt = {};
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.state = "connecting";
    this.timers = {};
    this.awayTimer = null;
    this.currentPresence = "online";
    var self = this;
    global.addEventListener("online", function () { self.reconnectNow(); });
    global.document.addEventListener("visibilitychange", function () { self.onVisibility(); });
    this.open();
  }

  Live.prototype.on = function (type, handler) {
    (this.handlers[type] = this.handlers[type] || []).push(handler);
    return this;
  };

  Live.prototype.emit = function (type, event) {
    var list = (this.handlers[type] || []).concat(this.handlers["*"] || []);
    for (var i = 0; i < list.length; i++) {
      try { list[i](event, this); } catch (error) { if (global.console) global.console.error(error); }
    }
  };

  Live.prototype.setState = function (state) {
    if (this.state === state) return;
    this.state = state;
    this.emit("status", {type: "status", state: state});
  };

  Live.prototype.open = function () {
    var self = this;
    clearTimeout(this.timers.retry);
    if (this.stopped) return;
    this.setState(this.attempt ? "reconnecting" : "connecting");
    var socket;
    try {
      socket = new global.WebSocket(this.url);
    } catch (error) {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = function () {
      self.attempt = 0;
      self.setState("open");
      self.heartbeat();
      // Catch up: every conversation again, from the last id seen.
      for (var id in self.conversations) {
        if (Object.prototype.hasOwnProperty.call(self.conversations, id)) self.sendSubscribe(+id);
      }
      if (self.presence) self.send({type: "presence", presence: self.currentPresence});
      self.emit("open", {type: "open"});
    };
    socket.onmessage = function (frame) {
      var event;
      try { event = JSON.parse(frame.data); } catch (error) { return; }
      self.lastHeard = Date.now();
      clearTimeout(self.timers.pong);
      self.receive(event);
    };
    socket.onclose = function (closed) {
      clearInterval(self.timers.ping);
      clearTimeout(self.timers.pong);
      if (self.socket !== socket) return;
      self.socket = null;
      if (closed.code === CLOSE_UNAUTHENTICATED) {
        // Signed out (or the session expired): retrying would not help.
        self.stopped = true;
        self.setState("unauthorized");
        return;
      }
      self.retry();
    };
    socket.onerror = function () { /* onclose follows and retries */ };
  };

  Live.prototype.retry = function () {
    if (this.stopped) return;
    this.setState("reconnecting");
    var delay = Math.min(30000, 1000 * Math.pow(2, this.attempt));
    this.attempt += 1;
    // Jitter: a server restart must not bring every client back in the same second.
    delay = delay / 2 + Math.random() * delay / 2;
    var self = this;
    this.timers.retry = setTimeout(function () { self.open(); }, delay);
  };

  Live.prototype.reconnectNow = function () {
    if (this.stopped || (this.socket && this.socket.readyState <= 1)) return;
    this.attempt = 0;
    this.open();
  };

  Live.prototype.heartbeat = function () {
    var self = this;
    var beats = 0;
    clearInterval(this.timers.ping);
    this.timers.ping = setInterval(function () {
      if (!self.socket || self.socket.readyState !== 1) return;
      self.send({type: "ping"});
      // Now and then catch up although the socket stayed open: an event the server could
      // not publish (its Redis was away a moment) is in the database all the same.
      beats += 1;
      if (beats % CATCH_UP_EVERY_BEATS === 0) {
        for (var id in self.conversations) {
          if (Object.prototype.hasOwnProperty.call(self.conversations, id)) self.sendSubscribe(+id);
        }
      }
      clearTimeout(self.timers.pong);
      self.timers.pong = setTimeout(function () {
        // Nothing heard since the ping: the connection is dead without having said so.
        if (self.socket) self.socket.close();
      }, PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  };

  Live.prototype.send = function (command) {
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify(command));
      return true;
    }
    return false;
  };

  Live.prototype.sendSubscribe = function (conversationId) {
    this.send({type: "subscribe", conversation: conversationId, after: this.conversations[conversationId] || 0});
  };

  /* Watch a conversation (its messages and typing); `lastSeenId`: the newest message the
   * page already shows, so that only newer ones come. */
  Live.prototype.subscribe = function (conversationId, lastSeenId) {
    conversationId = +conversationId;
    if (!conversationId) return;
    var last = Math.max(this.conversations[conversationId] || 0, +lastSeenId || 0);
    this.conversations[conversationId] = last;
    this.sendSubscribe(conversationId);
  };

  /* Stop catching up on it (its events may still come until the next reconnection). */
  Live.prototype.unsubscribe = function (conversationId) {
    delete this.conversations[+conversationId];
  };

  /* A message the page shows already (e.g. the answer to its own HTTP send). */
  Live.prototype.noteMessage = function (conversationId, messageId) {
    this.remember(messageId);
    if (this.conversations[conversationId] !== undefined) {
      this.conversations[conversationId] = Math.max(this.conversations[conversationId], messageId);
    }
  };

  Live.prototype.remember = function (messageId) {
    if (this.seenSet[messageId]) return false;
    this.seenSet[messageId] = true;
    this.seen.push(messageId);
    if (this.seen.length > SEEN_MEMORY) delete this.seenSet[this.seen.shift()];
    return true;
  };

  Live.prototype.typing = function (conversationId) {
    var now = Date.now();
    if (now - (this.typedAt[conversationId] || 0) < TYPING_EVERY_MS) return;
    this.typedAt[conversationId] = now;
    this.send({type: "typing", conversation: +conversationId});
  };

  Live.prototype.setPresence = function (presence) {
    this.currentPresence = presence;
    this.send({type: "presence", presence: presence});
  };

  Live.prototype.onVisibility = function () {
    var self = this;
    if (global.document.visibilityState === "visible") {
      this.reconnectNow();
      clearTimeout(this.awayTimer);
      if (this.presence && this.currentPresence === "away") this.setPresence("online");
    } else if (this.presence) {
      clearTimeout(this.awayTimer);
      this.awayTimer = setTimeout(function () { self.setPresence("away"); }, AWAY_AFTER_MS);
    }
  };

  Live.prototype.unreadTotal = function () {
    var total = 0;
    for (var id in this.unread) {
      if (Object.prototype.hasOwnProperty.call(this.unread, id)) total += this.unread[id];
    }
    return total;
  };

  Live.prototype.receive = function (event) {
    var type = event.type;
    if (type === "message") {
      var message = event.message || {};
      if (!this.remember(message.id)) return; // seen already (two groups, or catching up)
      if (this.conversations[event.conversation] !== undefined) {
        this.conversations[event.conversation] = Math.max(this.conversations[event.conversation], message.id);
      }
    } else if (type === "conversation" || type === "read") {
      var id = type === "read" ? event.conversation : event.id;
      var count = this.side === "agent" ? event.unread_agent : event.unread_buyer;
      if (count !== undefined) {
        this.unread[id] = count;
        this.emit("unread", {type: "unread", conversation: id, count: count, total: this.unreadTotal()});
      }
    }
    this.emit(type, event);
  };

  Live.prototype.close = function () {
    this.stopped = true;
    clearTimeout(this.timers.retry);
    clearInterval(this.timers.ping);
    if (this.socket) this.socket.close();
  };

  /* Show `text` in `element` for a few seconds after each typing event, then hide it. */
  function typingIndicator(element, text, milliseconds) {
    var timer = null;
    return function () {
      element.textContent = text;
      element.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(function () { element.hidden = true; }, milliseconds || 4000);
    };
  }

  global.SellerdeskLive = {
    connect: function (options) { return new Live(options); },
    typingIndicator: typingIndicator,
    socketUrl: socketUrl,
  };
})(window);
