// Caps each chart at the width its data needs (data-max-width), set from a file so the CSP needs no inline styles.
document.querySelectorAll("svg[data-max-width]").forEach((chart) => {
  chart.style.maxWidth = `${chart.dataset.maxWidth}px`;
});
