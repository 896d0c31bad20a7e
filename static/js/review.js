// The Review page from the keyboard: Space shows the answer, 1–4 rate it. Without JavaScript
// the answer is a <details> to open and the ratings are plain buttons of a form.
"use strict";

function reviewCard() {
  return document.querySelector("[data-review-card]");
}

function reveal(card) {
  const answer = card.querySelector("[data-review-answer]");
  if (!answer || answer.open) return;
  answer.open = true;
  answer.querySelector('[data-rating="3"]')?.focus();
}

// The review's duration counts from when the answer was shown, not when the page loaded.
document.addEventListener(
  "toggle",
  (event) => {
    const answer = event.target;
    if (!(answer instanceof HTMLDetailsElement) || !answer.matches("[data-review-answer]")) return;
    if (!answer.open) return;
    const shown = answer.querySelector("[data-review-shown]");
    if (shown) shown.value = String(Date.now());
    // The answer is shown (by Space anywhere, or on the summary itself): rating is next.
    const active = document.activeElement;
    if (!active || active === document.body || answer.querySelector("summary") === active) {
      answer.querySelector('[data-rating="3"]')?.focus();
    }
  },
  true
);

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
  const card = reviewCard();
  if (!card) return;
  const answer = card.querySelector("[data-review-answer]");
  if (event.key === " " || event.key === "Spacebar") {
    // On the <summary> itself the browser toggles it; anywhere else on the page, reveal.
    if (target instanceof HTMLElement && target.closest("summary, button, a")) return;
    event.preventDefault();
    reveal(card);
  } else if (/^[1-4]$/.test(event.key) && answer?.open) {
    event.preventDefault();
    card.querySelector(`[data-rating="${event.key}"]`)?.click();
  }
});

// After an answer, the next card: keyboard focus goes to it, ready for Space.
document.addEventListener("htmx:afterSwap", (event) => {
  if (!(event.target instanceof Element) || event.target.id !== "review-card") return;
  const next = document.querySelector("#review-card summary") || document.querySelector("#review-card a");
  next?.focus();
});
