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
