// The board refreshes itself every 30 s by swapping the whole #board section. A swap
// while the manager is choosing someone in a list (or typing a day) would throw the
// choice away: skip that refresh, the next one comes 30 s later.
document.addEventListener("htmx:beforeRequest", (event) => {
  const board = document.getElementById("board");
  const focused = document.activeElement;
  if (event.detail.elt === board && board.contains(focused) && focused.matches("select, input")) {
    event.preventDefault();
  }
});
