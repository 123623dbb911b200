// The header's workspace switch: choosing a workspace submits the form (a file, not an inline
// handler, so that a Content-Security-Policy without 'unsafe-inline' allows it).
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
