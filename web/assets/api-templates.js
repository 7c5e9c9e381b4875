// Staff: the firm's invite email templates (presets and the firm's own).
import { calls, paged, seg } from "./api.js";

const staff = calls("staff");

export const templates = {
  /** One page (`{ items, next }`): the presets on the first, then the firm's own. */
  list: (page) => staff.get(paged("/templates", page)),
  create: (body) => staff.post("/templates", body),
  update: (templateId, body) => staff.put(`/templates/${seg(templateId)}`, body),
  remove: (templateId) => staff.del(`/templates/${seg(templateId)}`),
};
