// The public site's one script: enhancements over forms that work without it, except the
// two call-center forms, which send JSON to their public API. No inline script anywhere
// (the content security policy forbids it); nothing from outside the hub.
(function () {
  "use strict";

  function show(box, messages) {
    box.textContent = "";
    messages.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      box.appendChild(p);
    });
    box.hidden = messages.length === 0;
    if (messages.length) { box.focus(); }
  }

  // Online pre-review: the same multipart post the form makes, sent with a progress bar.
  // The answer is a page like any other; its main part replaces this one.
  function upload(form, event) {
    var input = form.querySelector("input[type=file]");
    var errors = form.querySelector("#upload-errors");
    var maxBytes = Number(form.dataset.maxBytes), maxFiles = Number(form.dataset.maxFiles);
    var files = Array.prototype.slice.call(input.files || []);
    var problems = [];
    if (files.length > maxFiles) { problems.push("最多上传 " + maxFiles + " 个文件"); }
    files.forEach(function (file) {
      if (file.size > maxBytes) {
        problems.push(file.name + " 超过 " + Math.round(maxBytes / 1048576) + " MiB，请压缩后再传");
      }
    });
    event.preventDefault();
    errors.setAttribute("tabindex", "-1");
    show(errors, problems);
    if (problems.length) { return; }
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var percent = document.getElementById("upload-percent");
    var button = form.querySelector("button[type=submit]");
    box.hidden = false;
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "document";
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var value = Math.round(e.loaded * 100 / e.total);
      bar.value = value;
      percent.textContent = value + "%";
    });
    xhr.addEventListener("load", function () {
      var page = xhr.response;
      var main = page && page.querySelector("main");
      if (!main) {
        button.disabled = false;
        show(errors, ["提交没有成功（" + xhr.status + "），请稍后再试"]);
        return;
      }
      document.title = page.title;
      var replaced = document.importNode(main, true);
      document.querySelector("main").replaceWith(replaced);
      var focus = replaced.querySelector(".form-errors, .field-error, h1") || replaced;
      if (!focus.hasAttribute("tabindex")) { focus.setAttribute("tabindex", "-1"); }
      focus.focus();
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      show(errors, ["网络中断，材料没有提交，请重试"]);
    });
    xhr.send(new FormData(form));
  }

  // The consultation and complaint form, the rating: JSON to the public API.
  function fieldsOf(form) {
    var body = {};
    new FormData(form).forEach(function (value, name) {
      var path = name.split("."), target = body;
      for (var i = 0; i < path.length - 1; i++) {
        target = target[path[i]] = target[path[i]] || {};
      }
      target[path[path.length - 1]] = typeof value === "string" ? value.trim() : value;
    });
    return body;
  }

  function markErrors(form, errors) {
    form.querySelectorAll("[data-field]").forEach(function (field) {
      field.classList.remove("has-error");
      var old = field.querySelector(".field-error.from-api");
      if (old) { old.remove(); }
    });
    var unplaced = [];
    Object.keys(errors || {}).forEach(function (name) {
      var field = form.querySelector('[data-field="' + name + '"]');
      if (!field) { unplaced = unplaced.concat(errors[name]); return; }
      field.classList.add("has-error");
      var p = document.createElement("p");
      p.className = "field-error from-api";
      p.textContent = errors[name].join("；");
      field.appendChild(p);
    });
    return unplaced;
  }

  function labelOf(field) {
    var label = field.querySelector("label, legend");
    if (!label) { return ""; }
    var copy = label.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".req"), function (r) { r.remove(); });
    return copy.textContent.trim();
  }

  function sendJson(form, event, done) {
    event.preventDefault();
    var errors = form.querySelector(".form-errors");
    errors.setAttribute("tabindex", "-1");
    var body = fieldsOf(form);
    if (body.level) { body.level = Number(body.level); }
    if (body.comment === "") { delete body.comment; }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.dataset.api, {
      method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(body), credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        button.disabled = false;
        if (response.ok) { done(json); return; }
        var left = markErrors(form, json.errors);
        // The fields' own words in the summary (the API's detail names them by code).
        var named = Array.prototype.map.call(form.querySelectorAll(".has-error"), labelOf)
          .filter(Boolean);
        var summary = named.length ? "请检查：" + named.join("、")
          : (json.detail || ("提交没有成功（" + response.status + "）"));
        show(errors, [summary].concat(left));
      });
    }).catch(function () {
      button.disabled = false;
      show(errors, ["网络中断，没有提交成功，请重试"]);
    });
  }

  function finish(form, doneId, fill) {
    form.hidden = true;
    var done = document.getElementById(doneId);
    fill(done);
    done.hidden = false;
    done.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "prereview-form" && window.FormData && window.XMLHttpRequest) {
      upload(form, event);
    } else if (form.id === "ask-form") {
      sendJson(form, event, function (json) {
        finish(form, "ask-done", function () {
          document.getElementById("ask-number").textContent = json.number || "";
          document.getElementById("ask-code").textContent = json.code || "";
          document.getElementById("ask-due").textContent = (json.due_at || "").replace("T", " ").slice(0, 16);
        });
      });
    } else if (form.id === "rate-form") {
      sendJson(form, event, function () { finish(form, "rate-done", function () {}); });
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });
})();
