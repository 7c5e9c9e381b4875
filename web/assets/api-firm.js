// Staff: the firm's portal settings.
import { calls } from "./api.js";

const staff = calls("staff");

export const firmSettings = {
  get: () => staff.get("/firm/settings"),
  /** Sends only the settings given; the others stay as they are. */
  update: (changed) => staff.patch("/firm/settings", changed),
};
