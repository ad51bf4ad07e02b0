// The caseworkers' admin, held to the portal's accessibility rules: Django's autocomplete boxes (select2)
// get the name of the field they stand for, so that a screen reader says what each box is for.
(function () {
  "use strict";

  function labelOf(select) {
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (!label) return null;
    if (!label.id) label.id = select.id + "-label";
    return label;
  }

  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = labelOf(select);
      const box = select.nextElementSibling;
      if (!label || !box || !box.classList.contains("select2")) return;
      box.querySelectorAll('[role="combobox"]').forEach(function (combobox) {
        const shown = combobox.querySelector(".select2-selection__rendered");
        combobox.setAttribute("aria-labelledby", label.id + (shown && shown.id ? " " + shown.id : ""));
        if (shown && shown.getAttribute("role")) shown.setAttribute("aria-labelledby", label.id + " " + shown.id);
      });
      box.querySelectorAll("input.select2-search__field").forEach(function (input) {
        input.setAttribute("aria-labelledby", label.id);
      });
    });
  }

  // Django starts the boxes when the page is ready; the names follow once everything has loaded, and for
  // the boxes of an inline form when it is added. A choice keeps them: select2 redraws the same elements.
  window.addEventListener("load", function () {
    name(document);
    document.addEventListener("formset:added", function (event) {
      window.setTimeout(function () { name(event.target); }, 0);
    });
  });
})();
