// Small enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A form sends once: its button is disabled while the answer comes.
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) {
        button.disabled = true;
        button.dataset.label = button.textContent;
        button.textContent = "Đang gửi…";
      }
    });
  }
  // A page the browser brings back from its history is sent again, not left waiting.
  window.addEventListener("pageshow", () => {
    for (const button of document.querySelectorAll("button[data-label]")) {
      button.disabled = false;
      button.textContent = button.dataset.label;
    }
  });
  // Typing in a facility search narrows its list at once (the server filters on submit).
  for (const search of document.querySelectorAll("input[data-filters]")) {
    const list = document.getElementById(search.dataset.filters);
    if (!list) continue;
    const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
    search.addEventListener("input", () => {
      const wanted = fold(search.value.trim());
      for (const option of list.options) {
        if (!option.value) continue;
        option.hidden = wanted !== "" && !fold(option.textContent).includes(wanted);
      }
    });
  }
});
