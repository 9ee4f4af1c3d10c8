// @ts-self-types="./menu.d.ts"
/**
 * A menu button: a button that opens a menu of actions below it, by mouse or keyboard (Enter,
 * Space or the arrow keys open it on its first or last item; the arrow keys, Home and End move;
 * Enter or Space does the action; Escape closes it, back on the button; Tab or a click elsewhere
 * closes it). Its items are buttons, read as a menu's items.
 *
 * @module
 */

/**
 * A menu button showing `text`, read as `label`, whose menu offers `items` (each
 * `{ label, act }`); `hooks.onOpen()` and `hooks.onClose()`, if given, run each time the menu
 * opens and closes. Returns the element holding both.
 */
export function menuButton(text, label, items, hooks = {}) {
  const holder = document.createElement("span");
  holder.className = "menu-holder";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.title = label;
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-haspopup", "menu");
  button.setAttribute("aria-expanded", "false");
  const menu = document.createElement("div");
  menu.setAttribute("role", "menu");
  menu.setAttribute("aria-label", label);
  menu.className = "menu";
  menu.hidden = true;
  const entries = items.map(({ label, act }) => {
    const entry = document.createElement("button");
    entry.type = "button";
    entry.setAttribute("role", "menuitem");
    entry.tabIndex = -1;
    entry.textContent = label;
    entry.onclick = () => {
      close(false);
      act();
    };
    return entry;
  });
  menu.append(...entries);
  holder.append(button, menu);

  const open = (at) => {
    if (menu.hidden) hooks.onOpen?.();
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    entries.at(at)?.focus();
  };
  const close = (refocus) => {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
    hooks.onClose?.();
  };
  button.onclick = () => menu.hidden ? open(0) : close(true);
  button.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    open(event.key === "ArrowDown" ? 0 : -1);
  });
  menu.addEventListener("keydown", (event) => {
    const at = entries.indexOf(document.activeElement);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: entries.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      entries[(moves[event.key] + entries.length) % entries.length].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    } else if (event.key === "Tab") close(false);
  });
  holder.addEventListener("focusout", (event) => {
    if (!holder.contains(event.relatedTarget)) close(false);
  });
  return holder;
}
