// The swatch beside a colour's code follows what is typed (#RRGGBB or #RGB).
document.addEventListener("DOMContentLoaded", () => {
  for (const swatch of document.querySelectorAll("[data-swatch-for]")) {
    const input = document.getElementById(swatch.dataset.swatchFor);
    if (!input) continue;
    const paint = () => {
      const value = input.value.trim();
      swatch.style.background = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value) ? value : "transparent";
    };
    input.addEventListener("input", paint);
    paint();
  }
});
