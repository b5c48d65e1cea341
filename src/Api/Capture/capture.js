/* Orleans Recovery capture script: records the shopper's email, first name and marketing consent for a cart as they
   type them at checkout step 1. No framework, no third-party request. Include it on the checkout page:
   <script src="https://recovery.example/capture.js" data-key="PUBLISHABLE_KEY" data-cart="CART_ID" async></script>
   Optional: data-email-field, data-name-field, data-consent-field (CSS selectors), data-consent-text, data-locale. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.dataset.key || !script.dataset.cart || !window.fetch) { return; }
  var d = script.dataset;
  var endpoint = new URL('/api/v1/capture', script.src).href;
  var emailPattern = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]{2,}$/;
  var last = null;
  var timer = 0;
  var busy = false;
  var again = false;

  function find(selector, fallback) {
    try { return document.querySelector(selector || fallback); } catch (e) { return null; }
  }

  function email() { return find(d.emailField, 'input[type=email],input[autocomplete=email],input[name=email]'); }
  function name() { return find(d.nameField, 'input[autocomplete=given-name],input[name=firstName],input[name=first_name],input[name=billing_first_name]'); }
  function consent() { return d.consentField ? find(d.consentField) : null; }

  function wording(box) {
    if (d.consentText) { return d.consentText; }
    var label = box.labels && box.labels[0];
    return label ? label.textContent.replace(/\s+/g, ' ').trim().slice(0, 2000) : undefined;
  }

  // One post at a time, so the engine hears the changes in the order they were made: an unticked box posted while the
  // ticked one is still on its way must not overtake it.
  function send() {
    timer = 0;
    if (busy) { again = true; return; }
    var e = email();
    var address = e && e.value.trim();
    if (!address || address.length > 254 || !emailPattern.test(address)) { return; }
    var body = { cartId: d.cart, email: address };
    var n = name();
    if (n && n.value.trim()) { body.firstName = n.value.trim().slice(0, 100); }
    var locale = d.locale || document.documentElement.lang;
    if (locale) { body.locale = locale; }
    var box = consent();
    if (box) {
      body.marketingConsent = !!box.checked;
      if (box.checked) { body.consentText = wording(box); }
    }
    var json = JSON.stringify(body);
    if (json === last) { return; }
    last = json;
    busy = true;
    fetch(endpoint, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      keepalive: true,
      headers: { 'Authorization': 'Bearer ' + d.key, 'Content-Type': 'application/json' },
      body: json
    }).then(function (response) {
      if (!response.ok && response.status !== 400) { last = null; }
    }, function () { last = null; }).then(function () {
      busy = false;
      if (again) { again = false; send(); }
    });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(send, 800);
  }

  function now() {
    if (timer) { clearTimeout(timer); }
    send();
  }

  // Delegated, so fields the checkout renders later are watched too.
  document.addEventListener('input', later, true);
  document.addEventListener('change', now, true);
  document.addEventListener('focusout', now, true);
  window.addEventListener('pagehide', function () { if (timer) { now(); } });
  later();
})();
