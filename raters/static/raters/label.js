// Keyboard-first labeling: 1-9 pick a label, Enter submits, S skips (with a reason), F flags, ? shows help.
// Every action also works without this script (Tab, arrows and the buttons), so it only adds speed.
(function () {
  "use strict";
  const form = document.querySelector("[data-label-form]");
  const timerEl = document.getElementById("timer");
  const hint = document.getElementById("form-hint");
  const started = performance.now();

  if (timerEl) {
    const tick = () => {
      const s = Math.floor((performance.now() - started) / 1000);
      timerEl.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    };
    tick();
    setInterval(tick, 1000);
  }

  const openDialog = (id) => {
    const dialog = document.getElementById(id);
    if (dialog && !dialog.open) {
      dialog.showModal();
      // The flag picker starts on its reasons, so a digit picks one; the skip dialog starts on its text box.
      const first = dialog.querySelector(id === "flag-dialog" ? "input[type=radio]" : "input[type=text], button");
      if (first) first.focus();
    }
  };
  document.querySelectorAll("[data-open]").forEach((btn) =>
    btn.addEventListener("click", () => openDialog(btn.dataset.open)));
  document.querySelectorAll("dialog [data-close]").forEach((btn) =>
    btn.addEventListener("click", () => btn.closest("dialog").close()));

  // On a phone the instructions start folded so the item is on screen; one tap (or Enter) opens them.
  if (window.matchMedia("(max-width: 820px)").matches) {
    document.querySelectorAll("details[data-collapse-narrow]").forEach((d) => { d.open = false; });
  }

  if (!form) return;
  const controls = Array.from(form.querySelectorAll("input[data-hotkey]"));
  const numberInput = form.querySelector("input[type=number]");
  let submitting = false;

  const showHint = (text) => { if (hint) { hint.textContent = text; hint.hidden = !text; } };
  const hasAnswer = () => numberInput ? numberInput.value.trim() !== "" : controls.some((c) => c.checked);

  form.addEventListener("submit", (event) => {
    if (!hasAnswer()) {
      event.preventDefault();
      showHint(numberInput ? "Type a value, then press Enter." : "Pick a label first (keys 1-9), then press Enter.");
      return;
    }
    if (submitting) { event.preventDefault(); return; }
    submitting = true;
    const spent = form.querySelector("input[name=time_spent_ms]");
    if (spent) spent.value = String(Math.round(performance.now() - started));
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const openModal = document.querySelector("dialog[open]");
    if (openModal && event.key === "?" && openModal.id === "help-dialog") { event.preventDefault(); openModal.close(); return; }
    if (openModal && /^[1-9]$/.test(event.key) && !(event.target instanceof HTMLInputElement && event.target.type === "text")) {
      // In the flag and skip dialogs a digit picks a reason; a flag without a text to write is sent at once.
      const pick = openModal.querySelector(`input[data-pick="${event.key}"]`);
      if (pick) {
        event.preventDefault();
        pick.checked = true;
        const text = openModal.querySelector("input[type=text]");
        if (pick.hasAttribute("data-needs-text") || openModal.id === "skip-dialog") { if (text) text.focus(); }
        else if (openModal.id === "flag-dialog") { pick.form.requestSubmit(); }
      }
      return;
    }
    if (openModal) return; // the dialog handles its own keys (Enter submits, Esc closes)
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.matches("input[type=text], input[type=number], textarea, select"));
    if (typing && event.key !== "Enter") return;

    if (/^[1-9]$/.test(event.key) && !typing) {
      const control = controls.find((c) => c.dataset.hotkey === event.key);
      if (control) {
        event.preventDefault();
        control.checked = control.type === "checkbox" ? !control.checked : true;
        control.focus({ preventScroll: true });
        showHint("");
      }
    } else if (event.key === "Enter") {
      if (target instanceof HTMLElement && target.matches("button, a, summary")) return;
      event.preventDefault();
      form.requestSubmit();
    } else if ((event.key === "s" || event.key === "S") && document.getElementById("skip-dialog")) {
      event.preventDefault();
      openDialog("skip-dialog");
    } else if ((event.key === "f" || event.key === "F") && document.getElementById("flag-dialog")) {
      event.preventDefault();
      openDialog("flag-dialog");
    } else if (event.key === "?") {
      event.preventDefault();
      const help = document.getElementById("help-dialog");
      if (help) { help.open ? help.close() : openDialog("help-dialog"); }
    }
  });

  if (!numberInput && controls.length) {
    // Start with focus on the form so the first keystroke goes to the labels, not the page chrome.
    form.setAttribute("tabindex", "-1");
    form.focus({ preventScroll: true });
  }
})();
