/**
 * The Devices list of the side panel: this account's devices as `/devices` numbers them (name,
 * fingerprint, approved or not, this one), with a button to approve each one not approved and
 * to remove each other one (only on an approved device: the server refuses the others). It is
 * looked up again whenever the server lists the account's devices, and on the Refresh button.
 * Device names come from other clients: they are shown as text.
 *
 * @module
 */

const $ = (id) => document.getElementById(id);

/** The account's devices, as the side panel lists them. */
export class Devices {
  #hooks;
  /**
   * The list's lookups and the buttons' actions, one after another: answers to key lookups are
   * matched by nickname only, so a lookup of the list's own on its way while approving would
   * answer the approval's lookup with the list of before.
   */
  #turn = Promise.resolve();
  /** Lookups and actions queued or under way. */
  #queued = 0;
  /** The list changed during one of them: look it up once more after them. */
  #again = false;

  /**
   * Takes the list and its Refresh button; `hooks.client()` is the page's `E2eClient` (or
   * undefined), `hooks.isMe(nickname)` tells this user's nickname.
   */
  constructor(hooks) {
    this.#hooks = hooks;
    $("devices-refresh").addEventListener("click", () => this.refresh());
  }

  /**
   * A `keys` message came: when the server sent this account's devices by itself (they changed,
   * or this page published its keys), the list is looked up again.
   */
  heard(message) {
    if (message.devices === undefined || !this.#hooks.isMe(message.nickname)) return;
    // What the server sends by itself (a change) or after publishing; not a lookup's answer.
    if (message.changed === true || message.device !== undefined) this.refresh();
  }

  /** Looks the list up and shows it (after what is under way, once for all asked meanwhile). */
  async refresh() {
    if (this.#hooks.client()?.ring === undefined) this.#say("No keys in this browser");
    else if (this.#queued > 0) this.#again = true;
    else await this.#inTurn(() => this.#lookUp());
  }

  /** Looks the list up and shows it. */
  async #lookUp() {
    const client = this.#hooks.client();
    if (client?.ring === undefined) return;
    const devices = await client.deviceList();
    if (devices !== undefined) this.#render(devices);
  }

  /**
   * Runs `task` once the lookups and actions before it are over (its error goes to the console);
   * then refreshes if asked meanwhile.
   */
  #inTurn(task) {
    this.#queued++;
    const turn = this.#turn.then(task).catch(console.error).finally(() => {
      this.#queued--;
      if (this.#queued > 0 || !this.#again) return;
      this.#again = false;
      this.refresh();
    });
    this.#turn = turn;
    return turn;
  }

  /** Forgets the list (the user left). */
  clear() {
    $("devices").replaceChildren();
  }

  /** Shows `text` in place of the list. */
  #say(text) {
    $("devices").replaceChildren(note(text));
  }

  /**
   * Shows `devices`, each with its buttons: only an approved device may approve or remove
   * another (the server refuses the others), so an unapproved one shows none.
   */
  #render(devices) {
    const approved = devices.some((device) => device.current && device.approved);
    const items = devices.map((device) => this.#item(device, approved));
    if (!approved) items.push(note("Approve this device from another of yours to act here"));
    $("devices").replaceChildren(...items);
  }

  /** A device's list item, with its buttons when this device may act on it (`mayAct`). */
  #item(device, mayAct) {
    const item = document.createElement("li");
    item.className = "device";
    const marks = [device.approved ? "approved" : "not approved"];
    if (device.current) marks.push("this device");
    item.append(
      text("device-name", `${device.number}. ${device.name}`),
      text("device-state", marks.join(", ")),
      text("fingerprint", device.fingerprint),
    );
    const label = `device ${device.number} (${device.name})`;
    if (!mayAct || device.current) return item;
    if (!device.approved) {
      item.append(this.#button("Approve", `Approve ${label}`, (c) => c.approve(device.id)));
    }
    item.append(this.#button("Remove", `Remove ${label}`, (c) => c.revoke(device.id)));
    return item;
  }

  /** A button showing `label`, named `name`, that does `act(client)`, then shows the list again. */
  #button(label, name, act) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.setAttribute("aria-label", name);
    button.title = name;
    button.onclick = () => {
      const client = this.#hooks.client();
      if (client === undefined) return;
      button.disabled = true;
      this.#again = true;
      this.#inTurn(() => act(client));
    };
    return button;
  }
}

/** A list item of the list's own, saying `text`. */
function note(text) {
  const item = document.createElement("li");
  item.className = "device-note";
  item.textContent = text;
  return item;
}

/** A span of class `className` showing `value` as text. */
function text(className, value) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = value;
  return element;
}
