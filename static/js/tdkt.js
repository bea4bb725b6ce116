/* TĐKT: every script of the site (the Content-Security-Policy allows no inline script or event handler). */
(function () {
  "use strict";

  // <button data-menu-toggle aria-controls="site-menu">: on a narrow screen (tdkt.css) the header menu is
  // collapsed behind this button; it opens and closes the menu and says so in aria-expanded. Escape closes
  // it and gives the focus back to the button. Without this script the button stays hidden and the menu shown.
  function menuToggle() {
    var toggle = document.querySelector("[data-menu-toggle]");
    if (!toggle) { return; }
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    var header = toggle.closest("header");
    if (!menu || !header) { return; }
    function isOpen() { return toggle.getAttribute("aria-expanded") === "true"; }
    function set(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    }
    toggle.addEventListener("click", function () { set(!isOpen()); });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !isOpen()) { return; }
      var inside = menu.contains(document.activeElement) || document.activeElement === toggle;
      set(false);
      if (inside) { toggle.focus(); }
    });
    toggle.hidden = false;
    header.classList.add("menu-ready");
  }

  // <select data-autosubmit>: submit the form when the choice changes (language, list filters).
  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // <div data-eligibility-preview data-year data-nominee data-award data-label-*>: the award's rules checked
  // for the chosen nominee, read from /api/awards/<award>/eligibility/<nominee>/.
  function eligibilityPreview() {
    var box = document.querySelector("[data-eligibility-preview]");
    if (!box) { return; }
    var nominee = document.getElementById(box.dataset.nominee);
    var award = document.getElementById(box.dataset.award);
    if (!nominee || !award) { return; }
    function refresh() {
      box.textContent = "";
      if (!nominee.value || !award.value) { return; }
      var url = "/api/awards/" + encodeURIComponent(award.value) + "/eligibility/" +
        encodeURIComponent(nominee.value) + "/?year=" + encodeURIComponent(box.dataset.year);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var list = document.createElement("ul");
          function add(text) { var li = document.createElement("li"); li.textContent = text; list.appendChild(li); }
          if (!data.kind_accepted) { add("[" + box.dataset.labelFailed + "] " + box.dataset.labelKind); }
          data.rules.forEach(function (rule) {
            var verdict = rule.passed ? box.dataset.labelPassed :
              (rule.severity === "blocking" ? box.dataset.labelFailed : box.dataset.labelWarning);
            add("[" + verdict + "] " + rule.description + ": " + rule.detail + " (" + rule.legal_source + ")");
          });
          box.appendChild(list);
        });
    }
    nominee.addEventListener("change", refresh);
    award.addEventListener("change", refresh);
    refresh();
  }

  // <table data-live-turnout="<url>">: turnout counts only, read from the API every 10 seconds.
  function liveTurnout() {
    var table = document.querySelector("[data-live-turnout]");
    if (!table) { return; }
    function refresh() {
      fetch(table.dataset.liveTurnout, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          data.items.forEach(function (row) {
            var tr = table.querySelector('tr[data-item="' + row.item + '"]');
            if (!tr || row.received === undefined) { return; }
            tr.querySelector('[data-field="received"]').textContent = row.received;
            tr.querySelector('[data-field="eligible"]').textContent = row.eligible;
          });
        });
    }
    setInterval(refresh, 10000);
  }

  // <div data-error-summary tabindex="-1">: a form came back with errors; the summary at the top of the page
  // takes the focus (a screen reader reads it), and each of its links moves the focus to its field.
  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) { return; }
        event.preventDefault();
        var field = target.matches("input, select, textarea, button") ? target :
          target.querySelector("input, select, textarea, button") || target;
        field.scrollIntoView({block: "center"});
        field.focus();
      });
    });
    summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    menuToggle();
    errorSummary();
    autosubmit();
    eligibilityPreview();
    liveTurnout();
  });
})();
