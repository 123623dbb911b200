// The admin header's language select posts its form when changed (a file, not an inline
// handler: the Content-Security-Policy allows no inline script).
"use strict";
document.addEventListener("change", (event) => {
  if (event.target && event.target.id === "language-switcher-select") {
    event.target.form.submit();
  }
});
