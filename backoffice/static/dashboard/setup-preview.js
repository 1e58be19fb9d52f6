// Live preview of the rater's card on the project form: the label type and categories, drawn as the
// rater's label page draws them (radio buttons, checkboxes or a number field; keys 1-9 on the first nine).
(function () {
  "use strict";
  const typeSelect = document.querySelector("[data-preview-type]");
  const categories = document.querySelector("[data-preview-categories]");
  const target = document.querySelector("#rater-preview .preview-choices");
  if (!typeSelect || !categories || !target) return;
  const min = document.getElementById("id_min_value");
  const max = document.getElementById("id_max_value");

  const render = () => {
    const kind = typeSelect.value;
    target.replaceChildren();
    if (kind === "interval" || kind === "ratio") {
      const label = document.createElement("label");
      label.className = "preview-choice";
      label.textContent = "Value ";
      const input = document.createElement("input");
      input.type = "number";
      input.tabIndex = -1;
      if (min && min.value) input.min = min.value;
      if (max && max.value) input.max = max.value;
      input.placeholder = [min && min.value, max && max.value].filter(Boolean).join(" – ");
      label.appendChild(input);
      target.appendChild(label);
      return;
    }
    const names = categories.value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (!names.length) {
      const empty = document.createElement("p");
      empty.className = "hint";
      empty.textContent = "Add categories, one per line.";
      target.appendChild(empty);
      return;
    }
    names.forEach((name, i) => {
      const label = document.createElement("label");
      label.className = "preview-choice";
      const input = document.createElement("input");
      input.type = kind === "multi" ? "checkbox" : "radio";
      input.name = "preview";
      input.tabIndex = -1;
      label.appendChild(input);
      if (i < 9) {
        const key = document.createElement("kbd");
        key.textContent = String(i + 1);
        label.appendChild(key);
      }
      label.appendChild(document.createTextNode(" " + name));
      target.appendChild(label);
    });
  };
  [typeSelect, categories, min, max].forEach((el) => el && el.addEventListener("input", render));
  typeSelect.addEventListener("change", render);
  render();
})();
