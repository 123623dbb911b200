// The calendar: a click on a free time of a staff member's column opens a new session for them,
// that day, at that time (rounded down to the quarter hour). The column's hour lines carry their
// offset from the top (real minutes) and their local label, so the time is right on the days the
// clocks change too. A click on a block follows its link (its session). A file, not inline code,
// so that a Content-Security-Policy without 'unsafe-inline' allows it.
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.getElementById("bo-grid");
  if (!grid) return;
  const pxPerMinute = Number(grid.dataset.pxPerMinute || 1);
  const STEP = 15;
  const pad = (n) => String(n).padStart(2, "0");

  function clockAt(track, minutes) {
    const marks = [...track.querySelectorAll(".bo-hour")].map((el) => ({
      offset: Number(el.dataset.offset),
      label: el.dataset.label,
    }));
    let mark = marks[0];
    for (const each of marks) if (each.offset <= minutes) mark = each;
    if (!mark) return null;
    const [hours, mins] = mark.label.split(":").map(Number);
    const extra = Math.max(0, Math.floor((minutes - mark.offset) / STEP) * STEP);
    const total = Math.min(hours * 60 + mins + extra, 23 * 60 + 45);
    return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
  }

  for (const track of grid.querySelectorAll(".bo-track[data-add]")) {
    track.addEventListener("click", (event) => {
      if (event.target.closest(".bo-block")) return;
      const minutes = (event.clientY - track.getBoundingClientRect().top) / pxPerMinute;
      const clock = clockAt(track, minutes);
      if (clock) window.location.assign(`${track.dataset.add}&start_time=${clock}`);
    });
  }
});
