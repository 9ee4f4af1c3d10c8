/** Types of `menu.js` (a plain module, as the page loads it unchanged). */

/** One action of a menu. */
export interface MenuItem {
  /** What the item says. */
  label: string;
  /** What it does. */
  act(): void;
}

/** The element holding a menu button and its menu (a DOM element; the type checker has no DOM). */
export type MenuHolder = object;

/**
 * A menu button showing `text`, read as `label`, whose menu offers `items` (each
 * `{ label, act }`); `hooks.onOpen()` and `hooks.onClose()`, if given, run each time the menu
 * opens and closes. Returns the element holding both.
 */
export function menuButton(
  text: string,
  label: string,
  items: MenuItem[],
  hooks?: { onOpen?(): void; onClose?(): void },
): MenuHolder;
