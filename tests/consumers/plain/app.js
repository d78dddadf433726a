// The same sign-up on a plain HTML page: no bundler, the installed package's
// gatehouse.js through the page's import map.
import { Gatehouse, GatehouseError } from 'gatehouse';

const frontendApi = new URLSearchParams(location.search).get('api') ?? location.origin;
const $ = (id) => document.getElementById(id);
const show = (text) => ($('status').textContent = text);
const failed = (e) => ($('error').textContent = e instanceof GatehouseError ? `${e.code}: ${e.message}` : String(e));

const gh = await Gatehouse.load({ frontendApi }).catch(failed);
if (gh) {
  show('details');
  $('details').hidden = false;
  $('details').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const signUp = await gh.signUp.create({ emailAddress: $('email').value, password: $('password').value });
      await signUp.prepareEmailAddressVerification({ strategy: 'email_code' });
      $('details').hidden = true;
      $('code-form').hidden = false;
      show('code');
    } catch (e) {
      failed(e);
    }
  });
  $('code-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const signUp = await gh.signUp.attemptEmailAddressVerification({ code: $('code').value });
      $('code-form').hidden = true;
      show(`${signUp.status} ${signUp.createdUserId}`);
    } catch (e) {
      failed(e);
    }
  });
}
