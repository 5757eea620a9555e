/* Single-key shortcuts for people who work from the keyboard, as in a spreadsheet. Everything they do is also
   a link or a button on the page (the pages work without JavaScript); a key typed into a field is never taken.
   Queue: J / K move down / up the cases, Enter opens, N / P next / previous page, / the filters.
   Case: 1-8 the call result buttons, N / P next / previous case of one's list, Q back to the queue. */
(function () {
  "use strict";
  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|submit|button)$/.test(el.type);
  }
  function go(selector) {
    var link = document.querySelector(selector);
    if (link) { link.click(); return true; }
    return false;
  }
  function move(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("table.grid tbody td.id a"));
    if (!links.length) return false;
    var at = links.indexOf(document.activeElement);
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    links[next].focus();
    links[next].closest("tr").scrollIntoView({block: "nearest"});
    return true;
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing || typing(e.target)) return;
    var key = e.key.toLowerCase(), done = false;
    var quick = document.querySelector('#quick-call button[data-key="' + e.key + '"]');
    if (quick) { quick.click(); done = true; }
    else if (document.querySelector("nav.around")) {
      if (key === "n") done = go("nav.around a[rel=next]");
      else if (key === "p") done = go("nav.around a[rel=prev]");
      else if (key === "q") { window.location.href = "/queue"; done = true; }
    } else if (document.querySelector("nav.todo")) {
      if (key === "j") done = move(1);
      else if (key === "k") done = move(-1);
      else if (key === "n") done = go("nav.pager a[rel=next]");
      else if (key === "p") done = go("nav.pager a[rel=prev]");
      else if (e.key === "/") {
        var field = document.querySelector("form.filters select, form.filters input");
        if (field) { field.focus(); done = true; }
      }
    }
    if (done) e.preventDefault();
  });
  var hints = document.querySelectorAll(".keys-hint[hidden]");
  for (var i = 0; i < hints.length; i++) hints[i].hidden = false;
}());
