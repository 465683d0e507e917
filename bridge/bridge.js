/*
 * deskwatch bridge: forwards Bright Pattern Agent Desktop (Communicator Widget) events from the page
 * that hosts the widget to a deskwatch hub over a WebSocket, one event per message, in the shape
 * {type, params, agentId, ts, seq}. Plain ES2017, no dependencies. Include it after Bright Pattern's
 * adapter script: <script src="https://HUB/bridge.js" data-token="SECRET"></script>, or hand it the
 * instance: deskwatchBridge.attach(adApi, {url: 'wss://HUB/ingest', token: 'SECRET'}). Options and
 * behaviour: bridge/README.md. It must never break the agent's desktop: every entry point catches
 * its own errors, nothing waits on the network, and reconnects back off.
 */
(function (global) {
  'use strict';
  if (global.deskwatchBridge && global.deskwatchBridge.version) return; // included twice

  var VERSION = '1';
  var EVENTS = ['ON_NEW_INTERACTION', 'ON_INTERACTION_STATE_CHANGE', 'ON_INTERACTION_REMOVED',
    'ON_SAVE_ACTIVITY_RECORD', 'ON_ACTIVE_INTERACTION_SWITCHED', 'ON_AGENT_STATE_CHANGE', 'ON_LOGIN',
    'ON_LOGOUT', 'ON_SERVER_ERROR', 'ON_CALL_AUDIO_QUALITY_ALERT', 'ON_SCREEN_RECORDING_STATE_CHANGE'];
  // Agent-level state resent (without seq, with its original ts) after a reconnect, so a hub that
  // restarted knows the agent's login and state, not only the interactions.
  var REPLAY = {ON_LOGIN: 'login', ON_LOGOUT: 'login', ON_AGENT_STATE_CHANGE: 'state',
    ON_SCREEN_RECORDING_STATE_CHANGE: 'screen'};
  var DEFAULTS = {url: '', token: '', agentId: '', buffer: 1000, bufferBytes: 8 << 20,
    maxMessage: 1 << 20, minBackoff: 500, maxBackoff: 30000, snapshotTimeout: 3000,
    agentWait: 10000, auto: true, disabled: false, debug: false};
  // MARGIN keeps a message this many bytes under maxMessage (the hub's --max-message), for an
  // agentId learned later and a longer seq than the one measured.
  var MARGIN = 1024;
  // An interaction larger than TRIM_ITEM bytes goes into a snapshot with its strings cut to
  // TRIM_STRING characters; if the snapshot is still too large, the largest are left out.
  var TRIM_ITEM = 64 << 10;
  var TRIM_STRING = 1024;
  var OFF_FLAG = 'deskwatchBridgeDisabled';
  var OFF_CHECK = 1000; // ms between looks at the off switch, for a page whose switch has no setter
  var WRAPPED = 'deskwatchWrapped';
  var script = global.document && global.document.currentScript;
  var current = null;

  function log(level, msg, err) {
    try {
      if (level === 'debug' && !(current && current.cfg.debug)) return;
      var c = global.console;
      if (c) (c[level === 'debug' ? 'log' : 'warn'] || c.log).call(c, '[deskwatch bridge] ' + msg, err || '');
    } catch (e) { /* a broken console must not break the page */ }
  }

  // guard wraps a callback so that no exception from the bridge reaches the page.
  function guard(fn, self) {
    return function () {
      try { return fn.apply(self, arguments); } catch (e) { log('warn', 'internal error', e); }
    };
  }

  function scriptConfig() {
    var c = {};
    if (!script) return c;
    var d = script.dataset || {};
    if (d.url) c.url = d.url;
    if (d.token) c.token = d.token;
    if (d.agentId) c.agentId = d.agentId;
    if (d.buffer) c.buffer = parseInt(d.buffer, 10) || DEFAULTS.buffer;
    if (d.maxMessage) c.maxMessage = parseInt(d.maxMessage, 10) || DEFAULTS.maxMessage;
    if (d.disabled !== undefined) c.disabled = d.disabled !== 'false';
    if (d.auto !== undefined) c.auto = d.auto !== 'false';
    if (d.debug !== undefined) c.debug = d.debug !== 'false';
    if (!c.url && script.src) {
      // Served by the hub: its ingest endpoint is next to bridge.js.
      var u = new URL(script.src, global.location && global.location.href);
      u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
      u.pathname = u.pathname.replace(/[^/]*$/, 'ingest');
      u.search = '';
      u.hash = '';
      c.url = u.toString();
    }
    return c;
  }

  function config(opts) {
    return Object.assign({}, DEFAULTS, scriptConfig(), global.deskwatchBridgeConfig || {}, opts || {});
  }

  function randomID() {
    var a = new Uint8Array(12);
    (global.crypto || {getRandomValues: function (x) {
      for (var i = 0; i < x.length; i++) x[i] = Math.floor(Math.random() * 256);
      return x;
    }}).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  // utf8Length is the size of s in UTF-8, as the WebSocket sends it (a lone surrogate becomes
  // U+FFFD, three bytes).
  function utf8Length(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
      else n += 3;
    }
    return n;
  }

  // fits reports whether s is at most limit bytes in UTF-8, counting only when it could be more.
  function fits(s, limit) {
    return s.length * 3 <= limit || (s.length <= limit && utf8Length(s) <= limit);
  }

  // trimmed returns interaction JSON with every string cut to TRIM_STRING characters (never
  // between the halves of a surrogate pair) and a deskwatchTrimmed mark, or null when it cannot
  // be parsed.
  function trimmed(json) {
    var cut = function (v) {
      if (typeof v === 'string') {
        if (v.length <= TRIM_STRING) return v;
        var n = (v.charCodeAt(TRIM_STRING - 1) & 0xfc00) === 0xd800 ? TRIM_STRING - 1 : TRIM_STRING;
        return v.slice(0, n) + '\u2026';
      }
      if (Array.isArray(v)) return v.map(cut);
      if (v && typeof v === 'object') {
        var o = {};
        for (var k in v) if (Object.prototype.hasOwnProperty.call(v, k)) o[k] = cut(v[k]);
        return o;
      }
      return v;
    };
    try {
      var o = cut(JSON.parse(json));
      if (o && typeof o === 'object') o.deskwatchTrimmed = true;
      return JSON.stringify(o);
    } catch (e) { return null; }
  }

  function Bridge(api, cfg) {
    this.api = api;
    this.cfg = cfg;
    this.session = randomID();
    this.agentID = cfg.agentId || null;
    this.agentGaveUp = false;
    this.seqs = {};
    this.queue = []; // events not yet acknowledged by the hub, oldest first
    this.queueBytes = 0;
    this.view = {}; // interactionId -> latest InteractionData (JSON), for the fallback snapshot
    this.active = null;
    this.replays = {};
    this.handlers = {};
    this.ws = null;
    this.state = 'idle'; // idle, connecting, syncing, open, detached
    this.attempt = 0;
    this.hubs = hubs(cfg.url);
    this.hub = 0; // index in hubs of the one connected to, or tried next
    this.gen = 0;
    this.timers = {};
    this.stats = {sent: 0, acked: 0, dropped: 0, tooLarge: 0, trimmed: 0, leftOut: 0, errors: 0, attempts: 0,
      connects: 0, failovers: 0, snapshots: 0, snapshotSource: '', snapshotWait: 0, lastOpen: 0};
  }

  Bridge.prototype.off = function () {
    return this.state === 'detached' || this.cfg.disabled || !!global[OFF_FLAG];
  };

  // limit is the largest message the bridge sends, in UTF-8 bytes.
  Bridge.prototype.limit = function () { return this.cfg.maxMessage - MARGIN; };

  Bridge.prototype.start = function () {
    var self = this;
    EVENTS.forEach(function (name) {
      var h = function () {
        try { self.record(name, Array.prototype.slice.call(arguments)); } catch (e) { self.fault(e); }
      };
      try {
        self.api.on(name, h);
        self.handlers[name] = h;
      } catch (e) { log('debug', 'cannot subscribe to ' + name, e); }
    });
    this.askLogin();
    this.watchOff();
    this.timer('agent', this.agentID ? 0 : this.cfg.agentWait, function () {
      if (!this.agentID) this.agentGaveUp = true; // a single-agent stream: events without agentId
      this.stampAll();
      this.connect();
    });
  };

  // watchOff turns the bridge off soon after the page sets the off switch, even while nothing
  // happens: the switch's setter acts at once, and this check catches a switch it could not hook.
  Bridge.prototype.watchOff = function () {
    if (this.off()) return this.detachIfOff();
    this.timer('off', OFF_CHECK, this.watchOff);
  };

  Bridge.prototype.fault = function (e) {
    this.stats.errors++;
    log('debug', 'error', e);
  };

  Bridge.prototype.timer = function (name, ms, fn) {
    clearTimeout(this.timers[name]);
    this.timers[name] = setTimeout(guard(fn, this), ms);
  };

  // promised calls an API method that returns Promise<OperationResult>, giving its data or null.
  Bridge.prototype.promised = function (method, done) {
    var settled = false;
    var finish = guard(function (data) { if (!settled) { settled = true; done.call(this, data); } }, this);
    try {
      var p = typeof this.api[method] === 'function' ? this.api[method]() : null;
      if (!p || typeof p.then !== 'function') return finish(null);
      p.then(function (res) { finish(res && res.status === 'success' && res.data ? res.data : null); },
        function () { finish(null); });
      setTimeout(function () { finish(null); }, this.cfg.snapshotTimeout);
    } catch (e) { finish(null); }
  };

  Bridge.prototype.askLogin = function () {
    this.promised('getLoginState', function (d) {
      if (!d || !d.isLoggedIn) return;
      if (!this.replays.login) this.replays.login = this.entry('ON_LOGIN', JSON.stringify([d]));
      if (d.agentId) this.setAgent(d.agentId);
    });
  };

  Bridge.prototype.entry = function (type, params) {
    return {type: type, params: params, ts: Date.now(), agentId: null, seq: null, sent: false};
  };

  // record buffers one event and sends what it can. An event that cannot be serialized or is too
  // large for the hub is dropped, but still takes its seq: the jump tells the monitor.
  Bridge.prototype.record = function (type, params) {
    if (this.off()) return this.detachIfOff();
    var json = null;
    try { json = JSON.stringify(params); } catch (e) { this.fault(e); }
    if (typeof json !== 'string') json = null;
    if (json !== null) this.see(type, params, json);
    var e = this.entry(type, json);
    if (type === 'ON_LOGIN' && params[0] && params[0].agentId) this.setAgent(String(params[0].agentId));
    var why = json === null ? 'cannot be serialized' : this.tooLarge(e);
    if (why) this.drop(e, why, json !== null);
    if (this.agentID || this.agentGaveUp) this.stamp(e);
    if (e.skip && e.seq != null) return; // its seq is spent; nothing to send
    if (REPLAY[type] && !e.skip) this.replays[REPLAY[type]] = e;
    this.push(e);
    this.flush();
  };

  // tooLarge measures the whole message as it will be sent, in UTF-8; '' when it fits.
  Bridge.prototype.tooLarge = function (e) {
    var limit = this.limit();
    var env = encode({type: e.type, params: '', agentId: this.agentID || '', ts: e.ts, seq: 1e15}, true);
    if (fits(env + e.params, limit)) return '';
    return 'its ' + (utf8Length(env) + utf8Length(e.params)) + ' bytes are more than the hub accepts (' +
      this.cfg.maxMessage + ' less a margin of ' + MARGIN + ')';
  };

  Bridge.prototype.drop = function (e, why, tooLarge) {
    e.params = null;
    e.skip = true;
    this.stats.dropped++;
    if (tooLarge) this.stats.tooLarge++;
    log('warn', e.type + ' dropped: ' + why + '; the monitor sees a gap in seq');
  };

  // see keeps the page's own view of open interactions, for a snapshot when the desktop cannot
  // give one (getInteractionsState arrived in API 5.24.1). json is params serialized.
  Bridge.prototype.see = function (type, params, json) {
    var p = params[0];
    var id = p && typeof p === 'object' ? p.interactionId : null;
    if ((type === 'ON_NEW_INTERACTION' || type === 'ON_INTERACTION_STATE_CHANGE') && id != null) {
      this.view[id] = params.length === 1 ? json.slice(1, -1) : JSON.stringify(p);
    } else if (type === 'ON_INTERACTION_REMOVED' && id != null) {
      delete this.view[id];
      if (this.active === id) this.active = null;
    } else if (type === 'ON_ACTIVE_INTERACTION_SWITCHED') {
      this.active = p == null ? null : p;
    } else if (type === 'ON_LOGOUT') {
      this.view = {};
      this.active = null;
    }
  };

  Bridge.prototype.setAgent = function (id) {
    if (!id || id === this.agentID) return;
    this.agentID = id;
    this.stampAll();
    if (this.state === 'idle') this.timer('agent', 0, this.connect);
  };

  Bridge.prototype.stamp = function (e) {
    e.agentId = this.agentID || '';
    e.seq = this.seqs[e.agentId] = (this.seqs[e.agentId] || 0) + 1;
  };

  Bridge.prototype.stampAll = function () {
    var skipped = false;
    for (var i = 0; i < this.queue.length; i++) {
      var e = this.queue[i];
      if (e.seq == null) this.stamp(e);
      skipped = skipped || e.skip;
    }
    // A dropped event waited only for its seq.
    if (skipped) this.queue = this.queue.filter(function (e) { return !e.skip; });
    this.flush();
  };

  // push adds an event, dropping the oldest when the buffer is full; events dropped before they
  // were sent make a jump in seq that the monitor reports as lost.
  // queueBytes counts characters: it bounds the page's memory, not a message's size.
  Bridge.prototype.push = function (e) {
    this.queue.push(e);
    this.queueBytes += e.params ? e.params.length : 0;
    var lost = 0;
    while (this.queue.length > this.cfg.buffer || this.queueBytes > this.cfg.bufferBytes) {
      var old = this.queue.shift();
      this.queueBytes -= old.params ? old.params.length : 0;
      if (!old.sent && !old.skip) lost++;
    }
    if (lost) {
      if (!this.overflowing) log('warn', 'buffer full while disconnected; dropping the oldest events');
      this.overflowing = true;
      this.stats.dropped += lost;
    }
  };

  // encode writes the envelope with params last, so that a hub rejecting an oversized message
  // finds its agentId and seq in the part it reads, and acknowledges it.
  function encode(e, withSeq) {
    var s = '{"type":' + JSON.stringify(e.type);
    if (e.agentId) s += ',"agentId":' + JSON.stringify(e.agentId);
    s += ',"ts":' + e.ts;
    if (withSeq && e.seq != null) s += ',"seq":' + e.seq;
    return s + ',"params":' + e.params + '}';
  }

  Bridge.prototype.send = function (text) {
    this.ws.send(text);
    this.stats.sent++;
  };

  Bridge.prototype.flush = function () {
    if (this.state !== 'open' || !this.ws) return;
    for (var i = 0; i < this.queue.length; i++) {
      var e = this.queue[i];
      if (e.sent) continue;
      if (e.seq == null) break; // keep order: later events wait for the agent id too
      if (this.ws.bufferedAmount > 4 << 20) return this.timer('flush', 200, this.flush);
      this.send(encode(e, true));
      e.sent = true;
    }
    this.overflowing = false;
  };

  Bridge.prototype.acked = function (agentId, seq) {
    var a = agentId || '';
    var q = this.queue;
    var kept = [];
    for (var i = 0; i < q.length; i++) {
      if (q[i].sent && q[i].seq != null && q[i].agentId === a && q[i].seq <= seq) {
        this.queueBytes -= q[i].params ? q[i].params.length : 0;
        this.stats.acked++;
      } else kept.push(q[i]);
    }
    this.queue = kept;
  };

  // hubs is the url option as a list: an array, or one string of comma-separated URLs. A comma
  // separates two URLs only where a ws:// or wss:// one follows it (as the monitor's list), so a
  // comma in a URL's query stays there.
  function hubs(url) {
    var list = Array.isArray(url) ? url : String(url || '').split(/,(?=\s*wss?:\/\/)/i);
    return list.map(function (u) { return String(u).trim(); }).filter(function (u) { return u !== ''; });
  }

  // url is the hub to connect to now, with the bridge's query: the current one of the list, which
  // moves to the next after every failed or closed connection.
  Bridge.prototype.url = function () {
    var u = this.hubs[this.hub % this.hubs.length];
    u += (u.indexOf('?') < 0 ? '?' : '&') + 'session=' + this.session + '&ack=1';
    if (this.cfg.token) u += '&token=' + encodeURIComponent(this.cfg.token);
    return u;
  };

  Bridge.prototype.connect = function () {
    if (this.off()) return this.detachIfOff();
    if (this.ws || (!this.agentID && !this.agentGaveUp)) return;
    if (!this.hubs.length) return log('warn', 'no hub URL: set data-url or attach(adApi, {url})');
    var gen = ++this.gen;
    var ws;
    this.state = 'connecting';
    this.stats.attempts++;
    try { ws = new WebSocket(this.url()); } catch (e) { this.fault(e); this.failover(); return this.retry(); }
    this.ws = ws;
    ws.onopen = guard(function () {
      if (gen !== this.gen) return;
      this.openedAt = this.stats.lastOpen = Date.now();
      this.stats.connects++;
      this.state = 'syncing';
      for (var i = 0; i < this.queue.length; i++) this.queue[i].sent = false;
      this.snapshot(gen);
    }, this);
    ws.onmessage = guard(function (m) {
      var d = typeof m.data === 'string' ? JSON.parse(m.data) : null;
      if (d && typeof d.ack === 'number') this.acked(d.agentId, d.ack);
    }, this);
    ws.onclose = guard(function (ev) {
      if (gen !== this.gen) return;
      log('debug', 'connection closed: ' + ev.code + ' ' + ev.reason);
      this.ws = null;
      if (this.state === 'detached') return;
      this.state = 'idle';
      if (this.openedAt && Date.now() - this.openedAt > 10000) this.attempt = 0;
      this.openedAt = 0;
      this.failover();
      this.retry();
    }, this);
    ws.onerror = function () { /* onclose follows with the code */ };
  };

  // failover moves to the next hub of the list, if there is another; unacknowledged events are
  // resent to it after the snapshot, as after any reconnect.
  Bridge.prototype.failover = function () {
    if (this.hubs.length < 2) return;
    this.hub = (this.hub + 1) % this.hubs.length;
    this.stats.failovers++;
    log('debug', 'next hub: ' + this.hubs[this.hub]);
  };

  Bridge.prototype.retry = function () {
    var d = Math.min(this.cfg.maxBackoff, this.cfg.minBackoff * Math.pow(2, this.attempt++));
    this.timer('connect', d * (0.8 + 0.4 * Math.random()), this.connect);
  };

  // snapshot sends INTERACTIONS_STATE first on every connection, then the agent's login and state,
  // then what is buffered. The desktop's own snapshot is preferred; the page's view is the fallback.
  Bridge.prototype.snapshot = function (gen) {
    var asked = Date.now();
    this.promised('getInteractionsState', function (data) {
      if (gen !== this.gen || this.state !== 'syncing') return;
      var source = 'page';
      try {
        if (data && Array.isArray(data.interactions)) source = this.adopt(data);
      } catch (e) { this.fault(e); }
      var snap = this.entry('INTERACTIONS_STATE', '[' + this.stateJSON() + ']');
      snap.agentId = this.agentID || '';
      this.send(encode(snap, false));
      this.stats.snapshots++;
      this.stats.snapshotSource = source;
      this.stats.snapshotWait = Date.now() - asked;
      var self = this;
      ['login', 'state', 'screen'].forEach(function (k) {
        var e = self.replays[k];
        // One still waiting in the buffer is about to be sent anyway, with its seq.
        if (e && self.queue.indexOf(e) < 0) {
          self.send(encode({type: e.type, params: e.params, ts: e.ts, agentId: self.agentID || ''}, false));
        }
      });
      this.state = 'open';
      this.flush();
    });
  };

  // adopt takes the desktop's snapshot as the page's view.
  Bridge.prototype.adopt = function (data) {
    var view = {};
    for (var i = 0; i < data.interactions.length; i++) {
      var it = data.interactions[i];
      if (it && it.interactionId != null) view[it.interactionId] = JSON.stringify(it);
    }
    this.view = view;
    this.active = data.activeInteractionId == null ? null : data.activeInteractionId;
    return 'desktop';
  };

  // stateJSON is the view as getInteractionsState's result, small enough to send: an interaction
  // over TRIM_ITEM bytes goes in trimmed, and while the whole is too large the largest are left out.
  Bridge.prototype.stateJSON = function () {
    var head = '{"activeInteractionId":' + JSON.stringify(this.active) + ',"interactions":[';
    var items = Object.keys(this.view).map(function (k) { return this.view[k]; }, this);
    var sizes = items.map(function (s, i) {
      var n = utf8Length(s);
      var t = n > TRIM_ITEM ? trimmed(s) : null;
      if (t === null) return n;
      items[i] = t;
      this.stats.trimmed++;
      return utf8Length(t);
    }, this);
    var room = this.limit() - 256 - utf8Length(head); // 256: the envelope around it
    var total = sizes.reduce(function (sum, n) { return sum + n + 1; }, 0);
    if (total > room) {
      var order = sizes.map(function (n, i) { return i; }).sort(function (a, b) { return sizes[b] - sizes[a]; });
      for (var k = 0; total > room; k++) {
        total -= sizes[order[k]] + 1;
        items[order[k]] = null;
      }
      this.stats.leftOut += k;
      log('warn', 'snapshot too large for the hub: ' + k + ' interaction(s) left out');
      items = items.filter(function (s) { return s !== null; });
    }
    return head + items.join(',') + ']}';
  };

  Bridge.prototype.detachIfOff = function () {
    if (this.state !== 'detached') this.detach();
  };

  Bridge.prototype.detach = function () {
    if (this.state !== 'detached') log('debug', 'detached');
    this.state = 'detached';
    for (var name in this.handlers) {
      try { if (typeof this.api.remove === 'function') this.api.remove(name, this.handlers[name]); } catch (e) { /* ignore */ }
    }
    this.handlers = {};
    for (var t in this.timers) clearTimeout(this.timers[t]);
    if (this.ws) try { this.ws.close(1000, 'bridge detached'); } catch (e) { /* ignore */ }
    this.ws = null;
  };

  function attach(api, opts) {
    if (!api || typeof api.on !== 'function') return false;
    var cfg = config(opts);
    if (cfg.disabled || global[OFF_FLAG]) return false;
    if (current) {
      if (current.api === api && !opts) return true;
      current.detach();
    }
    current = new Bridge(api, cfg);
    current.start();
    return true;
  }

  // hookOffSwitch makes setting window.deskwatchBridgeDisabled turn a running bridge off at once.
  // It keeps any value the page set before this script ran; a switch that cannot be redefined is
  // still read every OFF_CHECK ms.
  function hookOffSwitch() {
    var d = Object.getOwnPropertyDescriptor(global, OFF_FLAG);
    if (d && !d.configurable) return;
    var value = d ? (d.get ? d.get.call(global) : d.value) : undefined;
    Object.defineProperty(global, OFF_FLAG, {configurable: true, enumerable: true,
      get: function () { return value; },
      set: function (v) {
        value = v;
        if (d && d.set) try { d.set.call(global, v); } catch (e) { /* the page's own setter */ }
        if (v && current) guard(current.detachIfOff, current)();
      }});
  }

  // wrapFactory replaces window.brightpattern.AdApi with a Proxy of it that attaches the instance
  // the page creates. A Proxy keeps everything else as it was: statics (enumerable or not),
  // prototype, name, instanceof, and calling with or without new.
  function wrapFactory(bp) {
    var orig = bp.AdApi;
    var made = function (inst) {
      try { if (!current) attach(inst); } catch (e) { log('warn', 'attach failed', e); }
      return inst;
    };
    var proxy = new Proxy(orig, {
      apply: function (target, self, args) { return made(Reflect.apply(target, self, args)); },
      construct: function (target, args, newTarget) {
        return made(Reflect.construct(target, args, newTarget === proxy ? target : newTarget));
      },
      get: function (target, key) { return key === WRAPPED ? true : Reflect.get(target, key); }
    });
    try { bp.AdApi = proxy; } catch (e) { log('debug', 'cannot wrap AdApi', e); }
  }

  // autoAttach finds the page's adApi: it wraps the factory so the instance the page creates is
  // attached, and looks for an instance the page made before this script ran.
  function autoAttach(tries) {
    if (current || global[OFF_FLAG]) return;
    var cfg = config();
    if (!cfg.auto || cfg.disabled) return;
    var bp = global.brightpattern;
    if (bp && typeof bp.AdApi === 'function' && !bp.AdApi[WRAPPED]) wrapFactory(bp);
    var found = global.adApi || (typeof adApi !== 'undefined' ? adApi : null); // eslint-disable-line no-undef
    if (found && attach(found)) return;
    if (tries > 0) setTimeout(guard(function () { autoAttach(tries - 1); }), 250);
  }

  global.deskwatchBridge = {
    version: VERSION,
    events: EVENTS.slice(),
    attach: guard(attach),
    detach: guard(function () { if (current) current.detach(); current = null; }),
    stats: guard(function () {
      if (!current) return {state: 'detached'};
      return Object.assign({state: current.state, agentId: current.agentID, session: current.session,
        hub: current.hubs[current.hub % current.hubs.length] || '', buffered: current.queue.length}, current.stats);
    })
  };
  guard(hookOffSwitch)();
  guard(autoAttach)(240); // look for a minute
  if (global.addEventListener) {
    global.addEventListener('pagehide', guard(function () {
      if (current && current.ws) current.ws.close(1000, 'page closed');
    }));
  }
})(typeof window !== 'undefined' ? window : this);
