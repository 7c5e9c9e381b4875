// Invoices: staff list and create them; a contact sees the billing page and pays.
import { ofClient, seg } from "./api.js";

export const invoices = {
  list: (clientId) => ofClient("staff", clientId).get("/invoices"),
  create: (clientId, body) => ofClient("staff", clientId).post("/invoices", body),
  // the contact's side
  billing: (clientId) => ofClient("contact", clientId).get("/billing"),
  pay: (clientId, invoiceId) => ofClient("contact", clientId).post(`/invoices/${seg(invoiceId)}/pay`, {}),
};
