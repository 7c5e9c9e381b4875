// Invoices: staff list and create them; a contact sees the billing page and pays. Invoices
// and payments come a page at a time (`page`: `{ limit, cursor }`), newest first.
import { ofClient, paged, seg } from "./api.js";

export const invoices = {
  list: (clientId, page) => ofClient("staff", clientId).get(paged("/invoices", page)),
  payments: (clientId, page) => ofClient("staff", clientId).get(paged("/payments", page)),
  create: (clientId, body) => ofClient("staff", clientId).post("/invoices", body),
  // the contact's side
  billing: (clientId, page) => ofClient("contact", clientId).get(paged("/billing", page)),
  contactPayments: (clientId, page) => ofClient("contact", clientId).get(paged("/payments", page)),
  pay: (clientId, invoiceId) => ofClient("contact", clientId).post(`/invoices/${seg(invoiceId)}/pay`, {}),
};
