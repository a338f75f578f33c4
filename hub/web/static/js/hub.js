// The pages' one script: small enhancements over forms that work without it.
// No inline script anywhere (the content security policy forbids it).
(function () {
  "use strict";

  // "打印回执": print the receipt.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // The operator's desk: the caller's earlier tickets and cases as the number is typed,
  // and the service item's guide once an item is chosen. The phone number travels in a
  // POST body (with the form's CSRF token), never in a URL. Without the script the
  // "查询来电记录" button does the same by submitting the form.
  var desk = document.getElementById("desk-form");
  if (!desk) { return; }
  var token = desk.querySelector("input[name=csrf_token]").value;
  var phone = document.getElementById("f-caller-phone");
  var history = document.getElementById("caller-history");
  var item = document.getElementById("f-service_item");
  var guide = document.getElementById("item-guide");
  var timer = null;
  var asked = null;

  function digits(value) {
    return (value.normalize ? value.normalize("NFKC") : value).replace(/\D/g, "");
  }

  function replace(target, response) {
    if (!response.ok) { throw new Error(String(response.status)); }
    return response.text().then(function (html) { target.innerHTML = html; });
  }

  function lookUp() {
    var typed = phone.value;
    var key = digits(typed);
    if (key === asked) { return; }
    asked = key;
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("phone", typed);
    fetch(desk.dataset.historyUrl, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) { return replace(history, response); })
      .catch(function () { asked = null; });
  }

  phone.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 250);
  });

  item.addEventListener("change", function () {
    var code = item.value || "-";
    fetch(desk.dataset.guideUrl.replace("__code__", encodeURIComponent(code)),
          {credentials: "same-origin"})
      .then(function (response) { return replace(guide, response); })
      .catch(function () { /* the panel keeps what it showed */ });
  });
})();
