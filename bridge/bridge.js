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
    this.gen = 0;
    this.timers = {};
    this.stats = {sent: 0, acked: 0, dropped: 0, errors: 0, connects: 0, snapshots: 0};
  }

  Bridge.prototype.off = function () {
    return this.state === 'detached' || this.cfg.disabled || global.deskwatchBridgeDisabled === true;
  };

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
    this.timer('agent', this.agentID ? 0 : this.cfg.agentWait, function () {
      if (!this.agentID) this.agentGaveUp = true; // a single-agent stream: events without agentId
      this.stampAll();
      this.connect();
    });
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

  Bridge.prototype.record = function (type, params) {
    if (this.off()) return this.detachIfOff();
    var json;
    try { json = JSON.stringify(params); } catch (e) { this.stats.dropped++; return this.fault(e); }
    if (typeof json !== 'string' || json.length > this.cfg.maxMessage) {
      this.stats.dropped++;
      return log('warn', type + ' dropped: not serializable or larger than ' + this.cfg.maxMessage + ' bytes');
    }
    this.see(type, params);
    var e = this.entry(type, json);
    if (type === 'ON_LOGIN' && params[0] && params[0].agentId) this.setAgent(String(params[0].agentId));
    if (this.agentID || this.agentGaveUp) this.stamp(e);
    if (REPLAY[type]) this.replays[REPLAY[type]] = e;
    this.push(e);
    this.flush();
  };

  // see keeps the page's own view of open interactions, for a snapshot when the desktop cannot
  // give one (getInteractionsState arrived in API 5.24.1).
  Bridge.prototype.see = function (type, params) {
    var p = params[0];
    var id = p && typeof p === 'object' ? p.interactionId : null;
    if ((type === 'ON_NEW_INTERACTION' || type === 'ON_INTERACTION_STATE_CHANGE') && id != null) {
      this.view[id] = JSON.stringify(p);
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
    for (var i = 0; i < this.queue.length; i++) if (this.queue[i].seq == null) this.stamp(this.queue[i]);
    this.flush();
  };

  // push adds an event, dropping the oldest when the buffer is full; events dropped before they
  // were sent make a jump in seq that the monitor reports as lost.
  Bridge.prototype.push = function (e) {
    this.queue.push(e);
    this.queueBytes += e.params.length;
    var lost = 0;
    while (this.queue.length > this.cfg.buffer || this.queueBytes > this.cfg.bufferBytes) {
      var old = this.queue.shift();
      this.queueBytes -= old.params.length;
      if (!old.sent) lost++;
    }
    if (lost) {
      if (!this.overflowing) log('warn', 'buffer full while disconnected; dropping the oldest events');
      this.overflowing = true;
      this.stats.dropped += lost;
    }
  };

  function encode(e, withSeq) {
    var s = '{"type":' + JSON.stringify(e.type) + ',"params":' + e.params;
    if (e.agentId) s += ',"agentId":' + JSON.stringify(e.agentId);
    s += ',"ts":' + e.ts;
    if (withSeq && e.seq != null) s += ',"seq":' + e.seq;
    return s + '}';
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
        this.queueBytes -= q[i].params.length;
        this.stats.acked++;
      } else kept.push(q[i]);
    }
    this.queue = kept;
  };

  Bridge.prototype.url = function () {
    var u = this.cfg.url;
    u += (u.indexOf('?') < 0 ? '?' : '&') + 'session=' + this.session + '&ack=1';
    if (this.cfg.token) u += '&token=' + encodeURIComponent(this.cfg.token);
    return u;
  };

  Bridge.prototype.connect = function () {
    if (this.off()) return this.detachIfOff();
    if (this.ws || (!this.agentID && !this.agentGaveUp)) return;
    if (!this.cfg.url) return log('warn', 'no hub URL: set data-url or attach(adApi, {url})');
    var gen = ++this.gen;
    var ws;
    this.state = 'connecting';
    try { ws = new WebSocket(this.url()); } catch (e) { this.fault(e); return this.retry(); }
    this.ws = ws;
    ws.onopen = guard(function () {
      if (gen !== this.gen) return;
      this.openedAt = Date.now();
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
      this.retry();
    }, this);
    ws.onerror = function () { /* onclose follows with the code */ };
  };

  Bridge.prototype.retry = function () {
    var d = Math.min(this.cfg.maxBackoff, this.cfg.minBackoff * Math.pow(2, this.attempt++));
    this.timer('connect', d * (0.8 + 0.4 * Math.random()), this.connect);
  };

  // snapshot sends INTERACTIONS_STATE first on every connection, then the agent's login and state,
  // then what is buffered. The desktop's own snapshot is preferred; the page's view is the fallback.
  Bridge.prototype.snapshot = function (gen) {
    this.promised('getInteractionsState', function (data) {
      if (gen !== this.gen || this.state !== 'syncing') return;
      var st = null;
      try {
        if (data && Array.isArray(data.interactions)) st = this.adopt(data);
      } catch (e) { this.fault(e); }
      if (st === null) {
        var list = Object.keys(this.view).map(function (k) { return this.view[k]; }, this);
        st = '{"activeInteractionId":' + JSON.stringify(this.active) + ',"interactions":[' + list.join(',') + ']}';
      }
      var snap = this.entry('INTERACTIONS_STATE', '[' + st + ']');
      snap.agentId = this.agentID || '';
      this.send(encode(snap, false));
      this.stats.snapshots++;
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

  // adopt takes the desktop's snapshot as the page's view and returns it as JSON.
  Bridge.prototype.adopt = function (data) {
    var st = JSON.stringify(data);
    var view = {};
    for (var i = 0; i < data.interactions.length; i++) {
      var it = data.interactions[i];
      if (it && it.interactionId != null) view[it.interactionId] = JSON.stringify(it);
    }
    this.view = view;
    this.active = data.activeInteractionId == null ? null : data.activeInteractionId;
    return st;
  };

  Bridge.prototype.detachIfOff = function () {
    if (this.state !== 'detached') this.detach();
  };

  Bridge.prototype.detach = function () {
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
    if (cfg.disabled || global.deskwatchBridgeDisabled === true) return false;
    if (current) {
      if (current.api === api && !opts) return true;
      current.detach();
    }
    current = new Bridge(api, cfg);
    current.start();
    return true;
  }

  // autoAttach finds the page's adApi: it wraps the factory so the instance the page creates is
  // attached, and looks for an instance the page made before this script ran.
  function autoAttach(tries) {
    if (current || global.deskwatchBridgeDisabled === true) return;
    var cfg = config();
    if (!cfg.auto || cfg.disabled) return;
    var bp = global.brightpattern;
    if (bp && typeof bp.AdApi === 'function' && !bp.AdApi.deskwatchWrapped) {
      var orig = bp.AdApi;
      var wrapped = function () {
        var inst = new.target ? Reflect.construct(orig, arguments, new.target) : orig.apply(this, arguments);
        try { if (!current) attach(inst); } catch (e) { log('warn', 'attach failed', e); }
        return inst;
      };
      Object.keys(orig).forEach(function (k) { wrapped[k] = orig[k]; });
      wrapped.prototype = orig.prototype;
      wrapped.deskwatchWrapped = true;
      try { bp.AdApi = wrapped; } catch (e) { log('debug', 'cannot wrap AdApi', e); }
    }
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
        buffered: current.queue.length}, current.stats);
    })
  };
  guard(autoAttach)(240); // look for a minute
  if (global.addEventListener) {
    global.addEventListener('pagehide', guard(function () {
      if (current && current.ws) current.ws.close(1000, 'page closed');
    }));
  }
})(typeof window !== 'undefined' ? window : this);
