import { html } from 'htm/preact';
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { App } from './views/app.js';

const root = document.getElementById('app');
if (root !== null) render(html`<${App} />`, root);
