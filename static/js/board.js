// The schedule board: select a range on a free segment of an engineer's day — drag, click a
// start and an end, or arrows + Enter — snapped to 15 minutes; the confirmation of exactly that
// range opens in the booking panel. Without this script each free segment is a link instead.
(function () {
  "use strict";
  var SNAP = 15 * 60 * 1000;
  var pending = null; // {seg, time}: a first click (or Enter) waiting for its end
  var drag = null; // {seg, anchor, moved}

  function table(el) { return el.closest("[data-book-url]"); }
  function bounds(el) {
    var t = table(el);
    return { start: Date.parse(t.dataset.dayStart), end: Date.parse(t.dataset.dayEnd), offset: t.dataset.dayStart.slice(-6) };
  }
  function segRange(seg) { return { start: Date.parse(seg.dataset.start), end: Date.parse(seg.dataset.end) }; }
  function timeAt(seg, clientX) {
    var lane = seg.parentElement.getBoundingClientRect();
    var b = bounds(seg);
    var share = Math.min(Math.max((clientX - lane.left) / lane.width, 0), 1);
    var t = b.start + Math.floor((share * (b.end - b.start)) / SNAP) * SNAP;
    var r = segRange(seg);
    return Math.min(Math.max(t, r.start), r.end - SNAP);
  }
  function offsetMs(offset) {
    var sign = offset[0] === "-" ? -1 : 1;
    return sign * (parseInt(offset.slice(1, 3), 10) * 60 + parseInt(offset.slice(4, 6), 10)) * 60000;
  }
  function local(ms, offset) { // organisation time, as the page's forms read it: YYYY-MM-DDTHH:MM
    return new Date(ms + offsetMs(offset)).toISOString().slice(0, 16);
  }
  function clock(ms, offset) { return local(ms, offset).slice(11); }
  function range(seg, a, b) {
    var r = segRange(seg);
    return { start: Math.max(Math.min(a, b), r.start), end: Math.min(Math.max(a, b) + SNAP, r.end) };
  }
  function draw(seg, sel) {
    var lane = seg.parentElement;
    var box = lane.querySelector(".lane-selection");
    if (!box) {
      box = document.createElement("span");
      box.className = "lane-selection";
      box.setAttribute("aria-hidden", "true");
      lane.appendChild(box);
    }
    var b = bounds(seg);
    box.style.left = ((sel.start - b.start) / (b.end - b.start)) * 100 + "%";
    box.style.width = ((sel.end - sel.start) / (b.end - b.start)) * 100 + "%";
    box.dataset.start = local(sel.start, b.offset);
    box.dataset.end = local(sel.end, b.offset);
  }
  function clear() {
    document.querySelectorAll(".lane-selection").forEach(function (box) { box.remove(); });
  }
  function label(seg, time) {
    var t = table(seg), b = bounds(seg), cell = seg.closest("[data-name]");
    return cell.dataset.name + ", " + t.dataset.dayLabel + " " + clock(time, b.offset) + "–" + clock(time + SNAP, b.offset) + ", " + t.dataset.freeWord;
  }
  function book(seg, sel) {
    var t = table(seg), b = bounds(seg);
    var url = t.dataset.bookUrl + "?engineer=" + seg.closest("[data-engineer-pk]").dataset.engineerPk +
      "&start=" + encodeURIComponent(local(sel.start, b.offset)) + "&end=" + encodeURIComponent(local(sel.end, b.offset)) +
      "&" + t.dataset.bookQuery;
    pending = null;
    htmx.ajax("GET", url, { target: "#booking-panel" });
  }
  function choose(seg, time) { // a click or Enter: the first marks the start, the second the end
    if (pending && pending.seg === seg) {
      var sel = range(seg, pending.time, time);
      draw(seg, sel);
      book(seg, sel);
    } else {
      clear();
      pending = { seg: seg, time: time };
      draw(seg, range(seg, time, time));
    }
  }

  document.addEventListener("pointerdown", function (event) {
    var seg = event.target.closest(".seg-free");
    if (!seg || event.button !== 0) return;
    event.preventDefault();
    seg.setPointerCapture(event.pointerId);
    drag = { seg: seg, anchor: timeAt(seg, event.clientX), moved: false };
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var time = timeAt(drag.seg, event.clientX);
    if (time !== drag.anchor) drag.moved = true;
    if (drag.moved) { pending = null; draw(drag.seg, range(drag.seg, drag.anchor, time)); }
  });
  document.addEventListener("pointerup", function (event) {
    if (!drag) return;
    var d = drag;
    drag = null;
    var time = timeAt(d.seg, event.clientX);
    if (d.moved) { var sel = range(d.seg, d.anchor, time); draw(d.seg, sel); book(d.seg, sel); }
    else choose(d.seg, d.anchor);
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest(".seg-free")) event.preventDefault(); // the link is the no-JS path
  });

  // Keyboard: a free segment's cursor moves by 15 minutes; its name says which slot it is on.
  document.addEventListener("focusin", function (event) {
    var seg = event.target.closest && event.target.closest(".seg-free");
    if (seg && !seg.dataset.cursor) { seg.dataset.cursor = segRange(seg).start; seg.setAttribute("aria-label", label(seg, segRange(seg).start)); }
  });
  document.addEventListener("keydown", function (event) {
    var seg = event.target.closest && event.target.closest(".seg-free");
    if (!seg) return;
    var r = segRange(seg), cursor = Number(seg.dataset.cursor || r.start);
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      var next = cursor + (event.key === "ArrowRight" ? SNAP : -SNAP);
      var frees = Array.prototype.slice.call(seg.parentElement.querySelectorAll(".seg-free"));
      var i = frees.indexOf(seg);
      event.preventDefault();
      if (next < r.start || next >= r.end) { // on to the neighbouring free segment, if any
        var other = frees[i + (next < r.start ? -1 : 1)];
        if (other) { other.dataset.cursor = next < r.start ? segRange(other).end - SNAP : segRange(other).start; other.focus(); other.setAttribute("aria-label", label(other, Number(other.dataset.cursor))); }
        return;
      }
      seg.dataset.cursor = next;
      seg.setAttribute("aria-label", label(seg, next));
      if (pending && pending.seg === seg) draw(seg, range(seg, pending.time, next));
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      choose(seg, cursor);
    } else if (event.key === "Escape") {
      pending = null;
      clear();
    }
  });

  // After a booking only the booked engineer's row reloads (with the budget, out of band).
  document.addEventListener("htmx:afterSwap", function (event) {
    var done = event.detail.target.querySelector && event.detail.target.querySelector("[data-testid='booking-success'][data-engineer-pk]");
    if (!done) return;
    clear();
    var lane = document.getElementById("lane-" + done.dataset.engineerPk);
    if (lane) htmx.trigger(lane, "board-refresh");
  });
})();
