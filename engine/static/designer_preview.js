/* The designer's preview frame: the runtime form recalculates as the user types
   (liandong.js does that through data-preview-url), but it never submits:
   nothing is saved from a preview. */
document.addEventListener("submit", function (event) { event.preventDefault(); }, true);
