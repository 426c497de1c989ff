// Behaviour shared by every screen. Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";

  const TOAST_MS = 8000;

  document.documentElement.classList.replace("no-js", "js");

  function toastRegion() {
    return document.getElementById("toasts");
  }

  // Errors are never silent: every failed htmx request leaves a toast.
  function showToast(message) {
    const region = toastRegion();
    if (!region || !message) return;
    // A poll failing every 10 s refreshes its toast instead of stacking copies.
    region.querySelectorAll(".toast").forEach(function (old) {
      if (old.dataset.message === message) old.remove();
    });
    const toast = document.createElement("div");
    toast.className = "toast toast-error";
    toast.setAttribute("role", "alert");
    toast.dataset.message = message;
    const text = document.createElement("span");
    text.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.textContent = "×";
    close.setAttribute("aria-label", region.dataset.dismiss);
    close.addEventListener("click", function () { toast.remove(); });
    toast.append(text, close);
    region.append(toast);
    setTimeout(function () { toast.remove(); }, TOAST_MS);
  }

  // The server answers htmx errors with _error_toast.html; read its text, never inject its HTML.
  function serverMessage(xhr) {
    const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const toast = page.querySelector(".toast");
    return toast ? toast.textContent.trim() : toastRegion().dataset.serverError;
  }

  document.addEventListener("htmx:responseError", function (event) {
    showToast(serverMessage(event.detail.xhr));
  });
  // Other scripts (the camera scanner) report their problems the same way.
  document.addEventListener("omni:toast", function (event) { showToast(event.detail.message); });
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function () { showToast(toastRegion().dataset.networkError); });
  });

  // A form swapped in a moment ago is wired by htmx only when the swap settles; a scan's
  // Enter can come first. Wire it now and send it through htmx, or the plain post would
  // reload the page and drop what the screen was showing.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.hasAttribute("hx-post") || event.defaultPrevented || !window.htmx) return;
    if (form.dataset.wiredEarly) return;  // htmx still did not take it: let it go plain
    event.preventDefault();
    form.dataset.wiredEarly = "true";
    htmx.process(form);
    const submitter = event.submitter;
    // Not from inside this submit event: the browser ignores a nested requestSubmit().
    setTimeout(function () { form.requestSubmit(submitter); }, 0);
  });

  // A double tap or a second Enter must not post a plain form twice.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.method !== "post" || form.hasAttribute("hx-post")) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "true";
  });
  // Coming back with the browser's Back button, the page's forms work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
    });
  });

  // A scanner types over the field: keep its text selected so that the next scan replaces it.
  function readyForNextScan() {
    const field = document.querySelector("[data-scan-field]");
    if (field) field.select();
  }
  readyForNextScan();
  document.addEventListener("htmx:afterRequest", function (event) {
    const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (trigger && trigger.type === "submit") readyForNextScan();
  });

  // A select marked data-autosubmit submits its form (its button is there without JS).
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
  });
})();
