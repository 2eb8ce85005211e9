// The reader page's one enhancement: selecting a highlight (or any JSON link) shows the JSON
// the API returns for it in the side panel, with its URL, instead of leaving the page.
// Without this script the same links simply open that JSON.
(function () {
  "use strict";

  var inspector = document.getElementById("inspector");
  if (!inspector || !window.fetch) {
    return;
  }
  var empty = inspector.querySelector(".inspector-empty");
  var result = inspector.querySelector(".inspector-result");
  var label = inspector.querySelector(".inspector-label");
  var url = inspector.querySelector(".inspector-url");
  var code = inspector.querySelector(".inspector-json code");
  var status = inspector.querySelector(".inspector-status");
  var closeButton = inspector.querySelector(".inspector-close");
  var selected = [];
  var pending = null;

  inspector.hidden = false;

  function clearSelection() {
    selected.forEach(function (element) {
      element.classList.remove("is-selected");
    });
    selected = [];
  }

  function close() {
    if (pending) {
      pending.abort();
    }
    clearSelection();
    result.hidden = true;
    empty.hidden = false;
    closeButton.hidden = true;
    status.textContent = "";
    inspector.classList.remove("is-open");
  }

  function show(link) {
    var highlight = link.closest("[data-kind]");
    var address = new URL(link.getAttribute("href"), window.location.href);
    clearSelection();
    if (highlight) {
      // Every piece of the same mention, so a highlight split around another stays whole.
      selected = Array.prototype.slice.call(
        document.querySelectorAll(
          '.hl[data-kind="' + highlight.dataset.kind + '"][data-id="' + highlight.dataset.id +
            '"][data-start="' + highlight.dataset.start + '"]'
        )
      );
      selected.forEach(function (element) {
        element.classList.add("is-selected");
      });
    }
    label.textContent = link.dataset.label || link.textContent.trim();
    url.textContent = address.href;
    url.href = address.href;
    code.textContent = "";
    result.hidden = false;
    empty.hidden = true;
    closeButton.hidden = false;
    inspector.classList.add("is-open");
    status.textContent = "Loading " + label.textContent + "…";

    if (pending) {
      pending.abort();
    }
    var request = new AbortController();
    pending = request;
    fetch(address.href, { headers: { Accept: "application/json" }, signal: request.signal })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
      })
      .then(function (answer) {
        code.textContent = JSON.stringify(answer.body, null, 2);
        status.textContent = answer.ok
          ? label.textContent + " loaded."
          : "The API answered " + answer.status + ".";
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          status.textContent = "Could not load " + address.pathname + ": " + error.message;
        }
      })
      .finally(function () {
        if (pending === request) {
          pending = null;
        }
      });
  }

  document.addEventListener("click", function (event) {
    // Let the browser handle a new tab, a new window or a download as it would anyway.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest("a[data-inspect]");
    if (!link) {
      return;
    }
    event.preventDefault();
    show(link);
  });

  closeButton.addEventListener("click", close);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !result.hidden) {
      close();
    }
  });
})();
