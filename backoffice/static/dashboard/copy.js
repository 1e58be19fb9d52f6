// "Copy" buttons next to sign-up and invite links; the link field is selectable by hand as well.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) return;
      field.select();
      const done = () => { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, () => document.execCommand("copy") && done());
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
})();
