import { useState, type ReactNode } from 'react';
import { useOnramp } from '@onramp/react';
import type { Session } from '../session.js';
import { useStoredList } from '../stored-list.js';

export function ProjectsPage({ session }: { session: Session }): ReactNode {
  const onramp = useOnramp();
  const [projects, addProject] = useStoredList<string>(`acme-demo:projects:${session.user.userId}`);
  const [name, setName] = useState('');

  const create = () => {
    const project = name.trim() || `Project ${projects.length + 1}`;
    addProject(project);
    setName('');
    onramp.track('Project Created', { name: project, count: projects.length + 1 });
  };

  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      <div className="row">
        <input
          aria-label="Project name"
          placeholder="Website relaunch"
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <button id="new-project" type="button" onClick={create}>
          New project
        </button>
      </div>
      {projects.length === 0 ? (
        <p className="muted">No projects yet.</p>
      ) : (
        <ul className="list" aria-label="Projects">
          {projects.map((project, index) => (
            <li key={index}>{project}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
