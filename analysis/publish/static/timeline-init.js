// Start TimelineJS on the exported data (window.TIMELINE_DATA, from timeline-data.js) without any
// request to another host: no web font (font: null), scripts resolved from this site's copy, English
// built in, no analytics.
(function () {
  "use strict";
  var scripts = new URL("assets/vendor/timelinejs/js/", document.baseURI).href;
  window.timeline = new TL.Timeline("timeline-embed", window.TIMELINE_DATA, {
    font: null, theme: null, script_path: scripts, language: "en", hash_bookmark: false,
    ga_measurement_id: null, soundcite: false, initial_zoom: 2
  });
}());
