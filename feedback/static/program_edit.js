// The program editor, enhanced: the greyed default words follow the chosen kind at once.
// Without this script the page works the same; the defaults update on the next reload.
document.addEventListener("DOMContentLoaded", () => {
  const kind = document.getElementById("kind");
  if (!kind) return;
  kind.addEventListener("change", () => {
    const attribute = `data-placeholder-${kind.value}`;
    for (const field of document.querySelectorAll(`[${attribute}]`)) {
      field.placeholder = field.getAttribute(attribute);
    }
  });
});
