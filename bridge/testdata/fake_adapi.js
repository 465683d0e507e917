// A stand-in for Bright Pattern's Communicator Widget adapter, for tests: window.brightpattern.AdApi
// (options) returns an object with the documented surface (on, remove, getLoginState and
// getInteractionsState, both Promise<OperationResult>) plus emit(type, ...params), which delivers
// an event as the widget does: each handler registered for the type is called with the params in
// turn, and a handler's failure is caught and recorded in handlerErrors. Its interactions are the
// desktop's own: emit keeps them up to date, and a test may add some the page never heard of.
// fakeAdApiClass() makes window.brightpattern.AdApi an ES class instead, with static members.
(function () {
  'use strict';
  function FakeAdApi(options) {
    this.options = options || {};
    this.handlers = {};
    this.login = {isLoggedIn: true, agentId: this.options.agentId || 'A1', username: 'ann', sessionId: 'S1'};
    this.interactions = {};
    this.active = null;
    this.handlerErrors = [];
    this.stateMode = this.options.stateMode || 'ok'; // ok, reject, throw, error, hang, missing
    if (this.stateMode === 'missing') this.getInteractionsState = undefined; // API before 5.24.1
    this.loginMode = this.options.loginMode || 'ok'; // ok, missing, unknown
    if (this.loginMode === 'missing') this.getLoginState = undefined;
    window.fakeAdApis = (window.fakeAdApis || []).concat([this]);
  }
  FakeAdApi.prototype.on = function (name, handler) {
    // An older desktop refuses event names it does not know.
    if ((this.options.unknownEvents || []).indexOf(name) >= 0) throw new Error('unknown event ' + name);
    (this.handlers[name] || (this.handlers[name] = [])).push(handler);
  };
  FakeAdApi.prototype.remove = function (name, handler) {
    var list = this.handlers[name] || [];
    var i = list.indexOf(handler);
    if (i >= 0) list.splice(i, 1);
  };
  FakeAdApi.prototype.getLoginState = function () {
    // Not logged in yet: the desktop knows no agent until ON_LOGIN.
    if (this.loginMode === 'unknown') return Promise.resolve({status: 'success', data: {isLoggedIn: false}});
    return Promise.resolve({status: 'success', data: JSON.parse(JSON.stringify(this.login))});
  };
  FakeAdApi.prototype.getInteractionsState = function () {
    switch (this.stateMode) {
      case 'reject': return Promise.reject(new Error('api_not_answer'));
      case 'throw': throw new Error('getInteractionsState exploded');
      case 'error': return Promise.resolve({status: 'error', error: {code: 14, name: 'api_method_not_implemented'}});
      case 'hang': return new Promise(function () {});
    }
    var self = this;
    var list = Object.keys(this.interactions).map(function (k) { return self.interactions[k]; });
    return Promise.resolve({status: 'success',
      data: JSON.parse(JSON.stringify({activeInteractionId: this.active, interactions: list}))});
  };
  FakeAdApi.prototype.emit = function (type) {
    var params = Array.prototype.slice.call(arguments, 1);
    var p = params[0];
    var id = p && typeof p === 'object' ? p.interactionId : undefined;
    if ((type === 'ON_NEW_INTERACTION' || type === 'ON_INTERACTION_STATE_CHANGE') && id) this.interactions[id] = p;
    if (type === 'ON_INTERACTION_REMOVED' && id) delete this.interactions[id];
    if (type === 'ON_ACTIVE_INTERACTION_SWITCHED') this.active = p;
    if (type === 'ON_LOGIN' && p) this.login = p;
    (this.handlers[type] || []).slice().forEach(function (h) {
      try { h.apply(null, params); } catch (e) { this.handlerErrors.push(type + ': ' + e.message); }
    }, this);
  };
  // The handler counts per event name, to see what a bridge subscribed to.
  FakeAdApi.prototype.handlerCounts = function () {
    var out = {};
    for (var k in this.handlers) out[k] = this.handlers[k].length;
    return out;
  };
  window.brightpattern = {AdApi: function (options) { return new FakeAdApi(options); }};

  window.fakeAdApiClass = function () {
    class AdApi extends FakeAdApi {
      static #made = 0;
      constructor(options) {
        super(options);
        AdApi.#made++;
      }
      static made() { return AdApi.#made; } // static methods are not enumerable
      static get apiVersion() { return '5.24.1'; }
    }
    Object.defineProperty(AdApi, 'hidden', {value: 'not enumerable', enumerable: false});
    AdApi.visible = 'enumerable';
    window.brightpattern.AdApi = AdApi;
    window.FakeAdApiClass = AdApi;
  };

  var started = {};
  // fakeInteraction builds an InteractionData as the widget reports it.
  window.fakeInteraction = function (id, state, extra) {
    started[id] = started[id] || Date.now();
    return Object.assign({interactionId: id, state: state, type: 'voice', subject: 'Order ' + id,
      associatedObjects: {list: [{id: 'c' + id, type: 'contact', displayName: 'Pat Doe', displayType: 'Contact'}],
        selected: 'c' + id},
      callParties: [{id: 'p1', name: 'Pat Doe', phone: '+15550100'}], callMuted: false, callRecording: false,
      attachedData: {order: id}, service: 'Sales', callDirection: 'inbound', ANI: '+15550100',
      startTime: started[id], chatParties: [], internal: false}, extra || {});
  };
})();
