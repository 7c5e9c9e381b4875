// Staff side: the routes of #/staff/… to their screens.
import { firmSettings } from "./api-firm.js";
import { applyBrand } from "./brand.js";
import { certificateView } from "./certificate.js";
import { signInView, signedIn } from "./sign-in.js";
import { clientRecord } from "./staff-client.js";
import { clientsView } from "./staff-clients.js";
import { settingsView } from "./staff-settings.js";
import { teamView } from "./staff-team.js";
import { templatesView } from "./staff-templates.js";

const S = "staff";

/** The firm's logo and colour in the header, read once per page load. */
let branded = false;
async function brand() {
  if (branded) return;
  applyBrand(await firmSettings.get());
  branded = true;
}

export function route(parts) {
  if (parts[0] === "sign-in") { branded = false; applyBrand(null); return signInView(S); }
  return signedIn(S, async () => {
    await brand();
    if (parts[0] === "clients" && parts[1] && parts[2] === "certificate" && parts[3]) return certificateView(S, parts[1], parts[3]);
    if (parts[0] === "clients" && parts[1]) return clientRecord(parts[1]);
    if (parts[0] === "archived") return clientsView("archived");
    if (parts[0] === "templates") return templatesView();
    if (parts[0] === "settings") return settingsView();
    if (parts[0] === "team") return teamView();
    return clientsView();
  });
}
