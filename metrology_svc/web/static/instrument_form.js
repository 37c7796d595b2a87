// Register/edit form: show only the fields of the chosen type's category (scale or dispenser);
// without JavaScript every field stays visible and the server still checks them all.
(function () {
  "use strict";
  var form = document.getElementById("instrument-form");
  if (!form) { return; }
  var categories = JSON.parse(form.dataset.categories);
  var groups = JSON.parse(form.dataset.groups);
  var select = document.getElementById("f-type_code");

  function apply() {
    var code = select ? select.value : form.dataset.type;
    var category = categories[code];
    Object.keys(groups).forEach(function (group) {
      groups[group].forEach(function (name) {
        var input = document.getElementById("f-" + name);
        if (!input) { return; }
        var hide = Boolean(category) && category !== group && Object.prototype.hasOwnProperty.call(groups, category);
        input.closest(".field").hidden = hide;
        if (hide) { input.value = ""; }
      });
    });
  }
  if (select) { select.addEventListener("change", apply); }
  apply();
}());
