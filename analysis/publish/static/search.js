// Offline search over window.SEARCH_INDEX (written by the site build): every row of the record and
// the notebooks' text. A query matches an entry holding the whole phrase, or else every word of it.
(function () {
  "use strict";
  var index = window.SEARCH_INDEX || [];
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");

  function norm(s) {
    return s.toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/\s+/g, " ").trim();
  }
  var prepared = index.map(function (e) { return norm(e.t + " " + e.x + " " + (e.k || "")); });

  function snippet(text, needle) {
    var at = norm(text).indexOf(needle);
    if (at < 0) { return text.slice(0, 200) + (text.length > 200 ? "…" : ""); }
    var start = Math.max(0, at - 80), end = Math.min(text.length, at + needle.length + 120);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  // The snippet as text, with each searched word or phrase marked (never as HTML: the index is text).
  function show(el, text, needles) {
    var lower = norm(text), at = 0, marks = [];
    needles.forEach(function (n) {
      var from = 0, k;
      while (n && (k = lower.indexOf(n, from)) >= 0) { marks.push([k, k + n.length]); from = k + n.length; }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    marks.forEach(function (m) {
      if (m[0] < at) { return; }
      el.appendChild(document.createTextNode(text.slice(at, m[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m[0], m[1]);
      el.appendChild(mark);
      at = m[1];
    });
    el.appendChild(document.createTextNode(text.slice(at)));
  }

  function run(query) {
    var q = norm(query);
    list.textContent = "";
    if (!q) { status.textContent = "Type words or a phrase from the record."; return; }
    var words = q.split(" ");
    var exact = [], all = [];
    prepared.forEach(function (text, i) {
      if (text.indexOf(q) >= 0) { exact.push(i); }
      else if (words.every(function (w) { return text.indexOf(w) >= 0; })) { all.push(i); }
    });
    var hits = exact.concat(all);
    status.textContent = hits.length + (hits.length === 1 ? " result" : " results") + " for “" + query + "”" +
      (exact.length ? " (" + exact.length + " with the exact phrase)" : "") + ".";
    hits.slice(0, 100).forEach(function (i) {
      var e = index[i], li = document.createElement("li"), a = document.createElement("a"), p = document.createElement("p");
      a.href = e.u; a.textContent = e.t;
      show(p, snippet(e.x, exact.indexOf(i) >= 0 ? q : words[0]), exact.indexOf(i) >= 0 ? [q] : words);
      li.appendChild(a); li.appendChild(p); list.appendChild(li);
    });
  }

  var given = new URLSearchParams(window.location.search).get("q");
  if (given) { input.value = given; run(given); }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    run(input.value);
    try { history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (err) { /* file:// may refuse */ }
  });
}());
