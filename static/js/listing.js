// Listing pages: changing the sort order applies it at once (the 적용 button still works without JS).
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => {
    if (select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
  });
});
