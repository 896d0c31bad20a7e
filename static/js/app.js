// Trajectory: small behaviours that need JavaScript. Everything works without it.
// Loaded from our own origin (no inline script), so it runs under the strict CSP.
"use strict";

document.documentElement.classList.add("js");

// A running timer shows its elapsed time, counted from the server's start time.
function tickTimers() {
  for (const element of document.querySelectorAll("[data-timer-start]")) {
    const started = Date.parse(element.dataset.timerStart);
    if (Number.isNaN(started)) continue;
    const seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    element.textContent = hours ? `${hours} h ${minutes} min` : `${minutes} min ${rest} s`;
    element.setAttribute("title", "Elapsed");
  }
}
setInterval(tickTimers, 1000);
document.addEventListener("DOMContentLoaded", tickTimers);
