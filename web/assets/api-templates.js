// Staff: the firm's invite email templates (presets and the firm's own).
import { calls, seg } from "./api.js";

const staff = calls("staff");

export const templates = {
  list: () => staff.get("/templates"),
  create: (body) => staff.post("/templates", body),
  update: (templateId, body) => staff.put(`/templates/${seg(templateId)}`, body),
  remove: (templateId) => staff.del(`/templates/${seg(templateId)}`),
};
