// Staff: the firm's profile and portal settings, its logo, and its billing switches.
import { calls, seg } from "./api.js";

const staff = calls("staff");

export const firmSettings = {
  get: () => staff.get("/firm/settings"),
  /** Sends only the settings given; the others stay as they are (null clears a profile field). */
  update: (changed) => staff.patch("/firm/settings", changed),
};

export const firmLogo = {
  /** A presigned upload slot for a PNG or JPEG of `size` bytes (see uploadTo in api.js). */
  create: (size, contentType) => staff.post("/firm/logo", { size, content_type: contentType }),
  /** What became of an upload: `pending`, `available` (it is the logo now) or `rejected`. */
  status: (id) => staff.get(`/firm/logo/uploads/${seg(id)}`),
  remove: () => staff.del("/firm/logo"),
};

export const billingSettings = {
  get: () => staff.get("/settings/billing"),
  set: (body) => staff.put("/settings/billing", body),
};
