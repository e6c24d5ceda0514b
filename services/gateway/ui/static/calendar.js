// Ruche calendar: drag a post to another day (no inline script: the CSP
// allows only this site's files). The drop posts the post's id, the
// revision it was read at and the new wall time (the same hour on the day
// dropped on) to /calendar/move, which answers the grid again (and the
// side panel, when it shows the post moved); a stale revision answers the
// grid reloaded with a message. The keyboard way is the open post's
// date/time field.
"use strict";
(() => {
  let dragged = null;
  const grid = () => document.querySelector("#cal-grid .cal-days");
  document.addEventListener("dragstart", (ev) => {
    const post = ev.target.closest && ev.target.closest(".cal-post[draggable='true']");
    if (!post) return;
    dragged = post;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", post.dataset.id);
    post.classList.add("dragging");
  });
  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".cal-day.drop").forEach((d) => d.classList.remove("drop"));
  });
  document.addEventListener("dragover", (ev) => {
    const day = dragged && ev.target.closest && ev.target.closest(".cal-day");
    if (!day) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".cal-day.drop").forEach((d) => d !== day && d.classList.remove("drop"));
    day.classList.add("drop");
  });
  document.addEventListener("drop", (ev) => {
    const day = dragged && ev.target.closest && ev.target.closest(".cal-day");
    const g = grid();
    if (!day || !g) return;
    ev.preventDefault();
    const post = dragged;
    const time = post.dataset.time || "09:00";
    const open = document.querySelector("#post-panel .cal-open");
    htmx.ajax("POST", g.dataset.move, {
      source: g, // not the body: htmx keeps one waiting request per source
      target: "#cal-grid",
      swap: "innerHTML",
      values: { id: post.dataset.id, revision: post.dataset.revision, wall: day.dataset.date + "T" + time, open: open ? open.dataset.id : "" },
    });
  });
})();
