// Turning on two-step sign-in for the signed-in login: `mfa.staff.setup()`,
// `mfa.contact.verify(code)`. (The code step of a sign-in is answerMfa in api.js.)
import { calls } from "./api.js";

function side(kind, base) {
  const c = calls(kind, base);
  return { setup: () => c.post("/setup"), verify: (code) => c.post("/verify", { code }) };
}

export const mfa = { staff: side("staff", "/mfa"), contact: side("contact", "/me/mfa") };
