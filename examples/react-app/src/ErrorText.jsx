// A failed call's message (GatehouseError.message is safe to show).
export function ErrorText({ error }) {
  return error ? <p role="alert">{error.message}</p> : null;
}
