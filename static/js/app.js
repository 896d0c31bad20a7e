// Trajectory: small behaviours that need JavaScript. Everything works without it.
// Loaded from our own origin (no inline script), so it runs under the strict CSP.
"use strict";

document.documentElement.classList.add("js");

// A running timer shows its elapsed time beside its start ("Running since 09:05. 12 min 04 s
// so far"), counted from the server's start time.
function tickTimers() {
  for (const element of document.querySelectorAll("[data-timer-start]")) {
    const started = Date.parse(element.dataset.timerStart);
    if (Number.isNaN(started)) continue;
    const seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    element.textContent = ` ${hours ? `${hours} h ${minutes} min` : `${minutes} min ${rest} s`} so far.`;
    element.hidden = false;
  }
}
setInterval(tickTimers, 1000);
document.addEventListener("DOMContentLoaded", tickTimers);
document.addEventListener("htmx:afterSettle", tickTimers);

// An invalid form comes back (422) with its errors at the fields: take the keyboard (and a
// screen reader) to the first field to fix, rather than leaving focus on a replaced button.
// On afterSwap, in the same task as the swap: after settling (20 ms later) it could pull
// focus back from a field the learner has already moved on to.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.xhr?.status !== 422) return;
  const root = event.target instanceof Element && event.target.isConnected ? event.target : document;
  const invalid = root.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
});

// A swap replaces the element that holds focus: the control the learner just used (a status
// button, a confidence value, a ticked box) is gone, and focus would fall back to <body>, the
// start of the page. htmx puts it back on an element with the same id; for every other case,
// keep it where it was: in the nearest container (with an id) that is on the page again, on
// the same control (same name and value), else one of the same kind, else its first control.
// Ticking the next checkpoint moves "Next up" on: focus goes to the new next checkpoint.
let focusBeforeSwap = null;
const CONTROLS = "a[href], button, input, select, textarea, summary, [tabindex]";

function describeFocus() {
  const active = document.activeElement;
  if (!active || active === document.body || active === document.documentElement) return null;
  const containers = [];
  for (let element = active.parentElement; element; element = element.parentElement) {
    if (element.id) containers.push(element.id);
  }
  return { containers, tag: active.tagName, type: active.type, name: active.name, value: active.value };
}

function usable(element) {
  return (
    !element.disabled &&
    element.type !== "hidden" &&
    element.tabIndex >= 0 &&
    (element.checkVisibility?.() ?? element.getClientRects().length > 0)
  );
}

document.addEventListener("htmx:beforeSwap", () => {
  focusBeforeSwap = describeFocus();
});
document.addEventListener("htmx:afterSwap", () => {
  const saved = focusBeforeSwap;
  const active = document.activeElement;
  if (!saved || (active && active !== document.body)) return;
  focusBeforeSwap = null;
  for (const id of saved.containers) {
    const container = document.getElementById(id);
    if (!container || container === document.body) continue;
    const controls = [...container.querySelectorAll(CONTROLS)].filter(usable);
    if (!controls.length) continue;
    const same = (element) => element.tagName === saved.tag && element.type === saved.type;
    const target =
      controls.find((element) => same(element) && saved.name && element.name === saved.name && element.value === saved.value) ||
      controls.find(same) ||
      controls[0];
    target.focus();
    return;
  }
});

// A box that scrolls sideways (long code, wide math, a wide table) must be reachable by
// keyboard to be scrolled: while its content overflows it is a Tab stop (tabindex 0).
// MathML takes no tabindex (the page would not be valid HTML): a formula too wide for its box
// scrolls in a wrapper that does.
const SCROLLERS =
  ".prose pre, .prose .math-scroll, .prose table, .table-wrap, .code-block, .diff-scroll, .ledger-statement .math-scroll";
function markScrollers() {
  // A ledger entry's words are one line of text with inline formulas, some wider than a phone.
  for (const math of document.querySelectorAll(".ledger-statement math:not([display=\"block\"])")) {
    if (math.parentElement.classList.contains("math-scroll")) continue;
    const wrapper = document.createElement("span");
    wrapper.className = "math-scroll";
    math.replaceWith(wrapper);
    wrapper.append(math);
  }
  for (const math of document.querySelectorAll('.prose math[display="block"]')) {
    if (math.parentElement.classList.contains("math-scroll")) continue;
    if (math.scrollWidth <= math.clientWidth + 1) continue;
    const wrapper = document.createElement("div");
    wrapper.className = "math-scroll";
    math.replaceWith(wrapper);
    wrapper.append(math);
  }
  for (const element of document.querySelectorAll(SCROLLERS)) {
    const overflows = element.scrollWidth > element.clientWidth + 1;
    if (overflows && !element.hasAttribute("tabindex")) {
      element.setAttribute("tabindex", "0");
      element.dataset.scroller = "";
    } else if (!overflows && element.dataset.scroller !== undefined) {
      element.removeAttribute("tabindex");
      delete element.dataset.scroller;
    }
  }
}
document.addEventListener("DOMContentLoaded", markScrollers);
window.addEventListener("load", markScrollers);
window.addEventListener("resize", markScrollers);
document.addEventListener("htmx:afterSettle", markScrollers);

// The weekly email's preview frame is as tall as the email it shows (the email's document
// shares our origin and runs nothing; learners/weekly/views.py). Measured from zero height, as
// a document is never shorter than its frame; again when a resize rewraps it.
function fitFrames() {
  for (const frame of document.querySelectorAll("iframe[data-fit-content]")) {
    const root = frame.contentDocument?.documentElement;
    if (!root || !frame.contentDocument.body) continue;
    frame.style.height = "0px";
    frame.style.height = `${root.scrollHeight}px`;
  }
}
document.addEventListener(
  "load",
  (event) => {
    if (event.target instanceof HTMLIFrameElement && event.target.matches("[data-fit-content]")) fitFrames();
  },
  true
);
document.addEventListener("DOMContentLoaded", fitFrames);
window.addEventListener("resize", fitFrames);

// A request htmx sends can fail: the server is briefly down (503), the session ended (401,
// from learners/middleware.py; 403 when the CSRF cookie went with it), the network dropped.
// htmx then swaps nothing, so say what happened at the top of the page (a live region a screen
// reader announces); the page stays as it was, what was typed included, and so does the data.
const REQUEST_PROBLEMS = {
  403: "That didn’t go through: your session may have ended. Reload the page (log in again if asked) and try once more.",
  404: "That didn’t go through: what it was about no longer exists. Reload the page.",
  413: "That didn’t go through: it is too large to send.",
  429: "That didn’t go through: too many requests in a short time. Wait a minute and try again.",
};
const LOGGED_OUT =
  "That didn’t go through: your session has ended. Log in again in a new tab, then send it once more: what you typed is still here.";
const SERVER_PROBLEM =
  "That didn’t go through: Trajectory is unavailable for a moment, and nothing was changed. Try again shortly.";
const NETWORK_PROBLEM =
  "That didn’t go through: Trajectory couldn’t be reached. Check your connection and try again.";

function showRequestProblem(text, link) {
  const box = document.getElementById("request-problem");
  if (!box) return;
  const message = document.createElement("p");
  message.className = "message message-error";
  message.textContent = text;
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.target = "_blank";
    anchor.textContent = link.text;
    message.append(" ", anchor);
  }
  box.replaceChildren(message);
  box.hidden = false;
}

// The server's own one-line reason, when it sent one as plain text (a refused choice, say).
function plainReason(xhr) {
  const type = xhr.getResponseHeader("Content-Type") || "";
  const text = (xhr.responseText || "").trim();
  return type.startsWith("text/plain") && text && text.length <= 300 ? text : null;
}

document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  const status = xhr.status;
  const login = status === 401 ? xhr.getResponseHeader("Trajectory-Login") : null;
  if (login) {
    showRequestProblem(LOGGED_OUT, { href: login, text: "Log in (new tab)" });
    return;
  }
  const reason = status === 400 ? plainReason(xhr) : null;
  showRequestProblem(
    (reason && `That didn’t go through: ${reason}`) ??
      REQUEST_PROBLEMS[status] ??
      (status >= 500 ? SERVER_PROBLEM : `That didn’t go through (the server answered ${status}). Reload the page and try again.`)
  );
});
document.addEventListener("htmx:sendError", () => showRequestProblem(NETWORK_PROBLEM));
// The next request that works clears the notice.
document.addEventListener("htmx:afterRequest", (event) => {
  if (!event.detail.successful) return;
  const box = document.getElementById("request-problem");
  if (box && !box.hidden) {
    box.hidden = true;
    box.replaceChildren();
  }
});
