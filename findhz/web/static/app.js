// Live progress of a plan run: poll its status until it ends (no framework needed).
(function () {
  "use strict";
  var box = document.getElementById("run");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function show(state) {
    document.getElementById("progress").value = state.progress;
    document.getElementById("status").textContent = state.status;
    document.getElementById("message").textContent = state.message;
    if (state.version) {
      var result = document.getElementById("result");
      result.textContent = "";
      var link = document.createElement("a");
      link.href = "/events/" + encodeURIComponent(state.event) + "/versions/" + state.version;
      link.textContent = "Review version " + state.version;
      result.appendChild(link);
    }
    if (state.status !== "queued" && state.status !== "running") {
      var cancel = document.getElementById("cancel-form");
      if (cancel) { cancel.remove(); }
      return true;
    }
    return false;
  }
  function poll() {
    fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (state) {
      if (!show(state)) { setTimeout(poll, 700); }
    }).catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();

// Set-up: check the form as the coordinator types (the server runs the planner's loader).
(function () {
  "use strict";
  var form = document.getElementById("setup-form");
  if (!form) { return; }
  var box = document.getElementById("setup-problems");
  var timer = null;
  var asked = 0;
  function mark(problems) {
    Array.prototype.forEach.call(form.querySelectorAll(".bad"), function (el) {
      el.classList.remove("bad");
      el.removeAttribute("title");
    });
    box.textContent = "";
    if (!problems.length) {
      var ok = document.createElement("p");
      ok.className = "ok";
      ok.id = "setup-ok";
      ok.textContent = "The event loads: no problem found.";
      box.appendChild(ok);
      return;
    }
    var list = document.createElement("ul");
    problems.forEach(function (p) {
      var item = document.createElement("li");
      item.textContent = p.text;
      list.appendChild(item);
      if (p.input) {
        var input = form.elements.namedItem(p.input);
        if (input && input.classList) {
          input.classList.add("bad");
          input.setAttribute("title", p.text);
        }
      }
    });
    box.appendChild(list);
  }
  function check() {
    var mine = ++asked;
    fetch(form.getAttribute("data-check-url"), { method: "POST", body: new FormData(form), cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (mine === asked) { mark(answer.problems); } })
      .catch(function () { /* the next keystroke asks again */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 350);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 50);
  });
})();
